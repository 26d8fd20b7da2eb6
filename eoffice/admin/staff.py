"""Bulk staff import: a CSV or XLSX staff list → a checked plan (preview) → users, posts and
charges, in one transaction, when the admin confirms. Services flush and never commit.

A full Aadhaar number is read from the file only to check it (Verhoeff) and keep its last four
digits: it is never stored, logged, audited or shown. Importing the same file again changes
nothing: rows find their user by employee ID, else by mobile number.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eoffice.admin import tables
from eoffice.admin.models import StaffImport
from eoffice.admin.names import login_base, romanise, verhoeff_ok
from eoffice.auth.services import hash_password
from eoffice.org.models import Office, Post, PostHolding, Role, Section, User
from eoffice.platform import audit
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock
from eoffice.platform.sealed import Sealer
from eoffice.platform.text import clean_line, email_address
from eoffice.policy import Actor

MAX_ROWS, MAX_COLUMNS = tables.MAX_ROWS, tables.MAX_COLUMNS
#: rows a confirmation applies within the request (about 1.5 s here); a longer list is applied
#: by the job worker while the page says so
INLINE_ROWS = 1000
#: new users a confirmation makes within the request: each one-time password is hashed at full
#: argon2 cost (about 85 ms), so 20 take under 2 s; more go to the job worker (10,000: 15 min)
INLINE_NEW = 20
#: slips in one PDF on the web page (about 2 s of WeasyPrint here); the CLI writes them all
SLIPS_PER_PDF = 200

#: Headers as offices write them, Hindi or English (compared lower-cased, without punctuation).
HEADERS: dict[str, tuple[str, ...]] = {
    "name_hi": (
        "name in hindi", "name hindi", "hindi name", "name_hi", "नाम", "नाम हिंदी में",
        "नाम हिन्दी में", "नाम हिंदी", "नाम हिन्दी", "हिंदी नाम", "हिन्दी नाम",
        "कर्मचारी का नाम", "अधिकारी कर्मचारी का नाम",
    ),
    "name_en": (
        "name in english", "name english", "english name", "name_en", "name",
        "नाम अंग्रेजी में", "नाम अंग्रेज़ी में", "अंग्रेजी नाम", "अंग्रेज़ी नाम",
    ),
    "designation": ("designation", "पदनाम", "पद नाम"),
    "section": ("section", "अनुभाग", "पटल", "अनुभाग पटल"),
    "office": ("office", "कार्यालय", "कार्यालय का नाम"),
    "mobile": (
        "mobile", "mobile number", "mobile no", "मोबाइल", "मोबाइल नंबर", "मोबाइल नम्बर",
        "मोबाइल न", "मोबाइल संख्या",
    ),
    "aadhaar": (
        "aadhaar", "aadhar", "aadhaar number", "aadhar number", "aadhaar no", "aadhar no",
        "आधार", "आधार नंबर", "आधार नम्बर", "आधार संख्या", "आधार कार्ड", "आधार कार्ड नंबर",
    ),
    "email": ("email", "e-mail", "email id", "ईमेल", "ई-मेल", "ईमेल आईडी"),
    "employee_id": (
        "employee id", "emp id", "employee code", "employee no", "कर्मचारी आईडी",
        "कर्मचारी कोड", "कर्मचारी संख्या", "कर्मचारी क्रमांक",
    ),
    "post": (
        "post", "post to hold", "post abbreviation", "पद", "धारित पद", "पद संक्षेप",
        "पद का संक्षिप्त नाम",
    ),
}  # fmt: skip

#: What a row or a file is told, in the admin's language.
MESSAGES = {
    "empty": _l("The file has no rows of staff."),
    "wrong_type": _l("Upload the staff list as an Excel file (.xlsx) or a CSV file."),
    "malformed": _l("The file could not be read. Save it again from Excel and upload it."),
    "too_large": _l("The file is too large to read."),
    "too_many_rows": _l("The file has more than %(n)s rows. Please split it.", n="10,000"),
    "wrong_columns": _l(
        "No column with the employee's name was found. The first row must name the columns: "
        "नाम (or Name), पदनाम, अनुभाग, मोबाइल, आधार, ईमेल, कर्मचारी कोड, पद."
    ),
    "name_missing": _l("The name is empty."),
    "legacy_encoding": _l(
        "The Hindi letters were lost (the CSV was saved in an old encoding). In Excel choose "
        "“Save as” → “CSV UTF-8”, or upload the .xlsx."
    ),
    "formula": _l("A cell holds a formula (%(value)s): write the value itself."),
    "too_long": _l("A value is too long."),
    "mobile": _l("The mobile number is not a 10-digit Indian mobile number."),
    "aadhaar": _l(
        "The Aadhaar number is not valid (it needs 12 digits that pass Aadhaar's check digit). "
        "It was not kept."
    ),
    "email": _l("The email address is not valid."),
    "other_office": _l("The row is for another office (%(value)s)."),
    "section_unknown": _l("There is no section “%(value)s” in this office. Create it first."),
    "post_needs_designation": _l("A new post needs its designation in the पदनाम column."),
    "post_held": _l("The post %(value)s is already held by %(holder)s. Use “change holder”."),
    "post_twice": _l("The post %(value)s is given to two rows."),
    "duplicate": _l("The same employee (employee ID or mobile) is in row %(value)s too."),
    "busy": _l(
        "The server is busy checking other uploads. Nothing is lost: please press the button "
        "again in a minute."
    ),
    "user_other_office": _l("This employee is in another office (%(value)s): transfer them."),
    "user_disabled": _l(
        "This employee is deactivated (retired or transferred out). Activate them on their "
        "page first if they have returned."
    ),
}

#: What will happen to a row.
ACTIONS = {
    "new": _l("New user"),
    "update": _l("Update"),
    "same": _l("No change"),
    "error": _l("Error"),
}

_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off a printed slip


def one_time_password() -> str:
    """12 characters from 31: about 59 bits, hashed like every password (argon2's defaults,
    auth.services.hash_password: about 85 ms here), so a list of more than INLINE_NEW new
    users is imported by the job worker."""
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(12))


# --- reading the file ------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as lists of text, empty rows dropped. Raises Refused(code). The file is
    read in a child process with limits (eoffice.admin.tables)."""
    if not data or not data.strip():
        raise Refused("empty")
    binary = (
        data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or data[:5] == b"%PDF-" or b"\0" in data
    )
    if data[:4] != b"PK\x03\x04" and binary:
        raise Refused("wrong_type")  # an old .xls, a PDF, an image or other binary
    try:
        rows = tables.read_limited(data)
    except tables.TableError as e:
        raise Refused(e.code) from e
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise Refused("empty")
    if len(rows) > MAX_ROWS + 1:
        raise Refused("too_many_rows")
    return rows


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFC", clean_line(text)).lower()
    text = re.sub(r"[\s./:*()\-_]+", " ", text).strip()
    return text.replace("़", "")  # अंग्रेज़ी = अंग्रेजी


_ALIASES = {_header_key(a): field for field, names in HEADERS.items() for a in names}


def map_columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        field = _ALIASES.get(_header_key(h))
        if field and field not in found:
            found[field] = i
    if "name_hi" not in found and "name_en" in found:
        found["name_hi"] = found.pop("name_en")  # one "Name" column: it is the name
    if "name_hi" not in found:
        raise Refused("wrong_columns")
    return found


# --- checking the rows -----------------------------------------------------------------


_NAME = re.compile(r"[A-Za-z][A-Za-z.'\- ]*[A-Za-z.]")


def plausible_name(value: str) -> bool:
    """A name in English as people write one ("Ram Kishor Yadav", "R. K. Yadav", "D'Souza"):
    letters, spaces, dots, dashes and apostrophes, with a word of two letters. Anything else
    ("@SUM(A1)", "#REF!", "1234", "N/A") is junk from a spreadsheet: the Hindi name is
    transliterated instead."""
    return (
        bool(value)
        and _NAME.fullmatch(value) is not None
        and any(len(w.strip(".'-")) >= 2 for w in value.split())
        and value.strip().lower() not in {"na", "n/a", "nil", "none", "null", "name"}
    )


def _digits(value: str) -> str:
    value = value.translate(str.maketrans("०१२३४५६७८९", "0123456789"))
    return re.sub(r"\D", "", value)


def clean_mobile(value: str) -> str | None:
    """'+91 94150-12345', '094150 12345' → '9415012345'; None when it is no Indian mobile."""
    d = _digits(value)
    if len(d) == 12 and d.startswith("91"):
        d = d[2:]
    elif len(d) == 11 and d.startswith("0"):
        d = d[1:]
    if len(d) != 10 or d[0] not in "6789" or re.search(r"[xX]", value):
        return None
    return d


LIMITS = {"name_hi": 200, "name_en": 200, "designation": 200, "employee_id": 40, "email": 254}


@dataclass
class Context:
    office: Office
    sections: dict[str, Section]
    #: the office's active posts by their abbreviation's key
    posts: dict[str, Post]


def _context(office: Office) -> Context:
    sections = {}
    in_use = select(Section).where(Section.office_id == office.id, Section.retired_at.is_(None))
    for s in db.session.scalars(in_use):
        for key in (s.code, s.name_hi, s.name_en):
            sections[_header_key(key)] = s
    posts = {
        _header_key(p.abbreviation): p
        for p in db.session.scalars(
            select(Post).where(Post.office_id == office.id, Post.is_active.is_(True))
        )
    }
    return Context(office, sections, posts)


def plan(
    rows: list[list[str]], office: Office, *, create_posts: bool = True
) -> list[dict[str, Any]]:
    """What will happen to each row: a list of dicts (JSON, kept as the import's plan). A row
    with a designation and no post is given a vacant post of that designation (and section),
    else — `create_posts` — a new one."""
    columns = map_columns(rows[0])
    ctx = _context(office)
    holders = _regular_holders(office.id)
    out: list[dict[str, Any]] = []
    seen_emp: dict[str, int] = {}
    seen_mobile: dict[str, int] = {}
    seen_post: dict[str, int] = {}
    for line, raw in enumerate(rows[1:], start=2):
        out.append(_plan_row(line, raw, columns, ctx, holders, seen_emp, seen_mobile, seen_post))
    _match_users(
        out, office, lambda found: _posts_by_designation(out, ctx, holders, found, create_posts)
    )
    return out


def _posts_by_designation(
    rows: list[dict], ctx: Context, holders: dict[int, User], users: dict[int, User], create: bool
) -> None:
    """Rows that name a designation but no post: a vacant post of the office with that
    designation (in the row's section, when it names one), in the order of the list; else a new
    post "designation-section code[-n]" when `create`. A person who holds a post already keeps
    it (a re-import changes nothing)."""
    named = {_header_key(r["post_abbreviation"]) for r in rows if r.get("post_abbreviation")}
    free: dict[str, list[Post]] = {}
    for post in sorted(ctx.posts.values(), key=lambda p: (p.rank, p.id)):
        if post.id not in holders and _header_key(post.abbreviation) not in named:
            free.setdefault(_header_key(post.designation_hi), []).append(post)
    taken = set(ctx.posts) | named
    for r in rows:
        if r["errors"] or r.get("post_abbreviation") or not r["designation"]:
            continue
        user = users.get(r.get("user_id") or 0)
        if user is not None and user.current_holdings:
            continue
        candidates = [
            p
            for p in free.get(_header_key(r["designation"]), [])
            if r["section_id"] is None or p.section_id == r["section_id"]
        ]
        if candidates:
            post = candidates[0]
            free[_header_key(post.designation_hi)].remove(post)
            r.update(post_id=post.id, post_abbreviation=post.abbreviation, post_by="designation")
        elif create:
            section = next((s for s in ctx.sections.values() if s.id == r["section_id"]), None)
            base = "-".join(
                x for x in (r["designation"][:30], section.code if section else "") if x
            )
            abbreviation, n = base, 1
            while _header_key(abbreviation) in taken:
                n += 1
                abbreviation = f"{base}-{n}"
            taken.add(_header_key(abbreviation))
            r.update(post_abbreviation=abbreviation, post_created=True, post_by="designation")


def _plan_row(line, raw, columns, ctx, holders, seen_emp, seen_mobile, seen_post) -> dict:
    legacy = bool(raw) and raw[-1] == "\x00legacy"

    def get(field: str) -> str:
        i = columns.get(field)
        return clean_line(raw[i]) if i is not None and i < len(raw) else ""

    row: dict[str, Any] = {"line": line, "errors": []}
    err = row["errors"]

    def fail(code: str, **params: str) -> None:
        err.append({"code": code, **params})

    values = {f: get(f) for f in HEADERS}
    for field, value in values.items():
        if value.startswith("=") and field != "aadhaar":
            fail("formula", value=value[:40])
            values[field] = ""
        elif len(value) > LIMITS.get(field, 200):
            fail("too_long")
            values[field] = value[: LIMITS.get(field, 200)]
    name_hi, name_en = values["name_hi"], values["name_en"]
    # Excel's plain "CSV" has no code page for Devanagari: every Hindi letter became "?"
    lost = re.compile(r"\?{2,}|\ufffd")
    if lost.search(name_hi) or lost.search(values["designation"]) or (legacy and "?" in name_hi):
        fail("legacy_encoding")
    if not name_hi and not any(e["code"] == "formula" for e in err):
        fail("name_missing")
    row["name_hi"] = name_hi
    row["name_en"] = name_en if plausible_name(name_en) else ""
    if not row["name_en"] and name_hi:
        row["name_en"] = romanise(name_hi).title() if not name_hi.isascii() else name_hi
    row["designation"] = values["designation"]
    row["email"] = email_address(values["email"]) if values["email"] else None
    if values["email"] and row["email"] is None:
        fail("email")
    row["employee_id"] = values["employee_id"] or None
    row["mobile"] = None
    if values["mobile"]:
        row["mobile"] = clean_mobile(values["mobile"])
        if row["mobile"] is None:
            fail("mobile")
    row["aadhaar_last4"] = None
    aadhaar = values["aadhaar"]
    values["aadhaar"] = ""  # the full number goes no further than this function
    if aadhaar:
        d = _digits(aadhaar)
        if len(d) == 12 and verhoeff_ok(d) and not aadhaar.startswith("="):
            row["aadhaar_last4"] = d[-4:]
        elif len(d) == 4 and re.fullmatch(r"[Xx*\s-]*\d{4}", aadhaar):
            row["aadhaar_last4"] = d  # already masked: XXXX XXXX 1234
        else:
            fail("aadhaar")
    del aadhaar
    office_text = values["office"]
    if office_text and _header_key(office_text) not in {
        _header_key(ctx.office.code),
        _header_key(ctx.office.name_hi),
        _header_key(ctx.office.name_en),
    }:
        fail("other_office", value=office_text)
    row["section_id"] = None
    if values["section"]:
        section = ctx.sections.get(_header_key(values["section"]))
        if section is None:
            fail("section_unknown", value=values["section"])
        else:
            row["section_id"] = section.id
    row["post_id"] = None
    row["post_abbreviation"] = values["post"] or None
    row["post_created"] = False
    if values["post"]:
        key = _header_key(values["post"])
        post = ctx.posts.get(key)
        if key in seen_post:
            fail("post_twice", value=values["post"])
        seen_post[key] = line
        if post is None:
            if not row["designation"]:
                fail("post_needs_designation")
            row["post_created"] = True
        else:
            row["post_id"] = post.id
            holder = holders.get(post.id)
            if holder is not None:
                row["post_holder_id"] = holder.id
                row["post_holder"] = holder.name_hi
    twice = None
    for seen, value in ((seen_emp, row["employee_id"]), (seen_mobile, row["mobile"])):
        if value:
            if value in seen:
                twice = twice or seen[value]
            else:
                seen[value] = line
    if twice:  # said once, whether the employee ID, the mobile or both repeat
        fail("duplicate", value=str(twice))
    return row


def _regular_holders(office_id: int) -> dict[int, User]:
    rows = db.session.execute(
        select(PostHolding.post_id, User)
        .join(User, User.id == PostHolding.user_id)
        .join(Post, Post.id == PostHolding.post_id)
        .where(
            Post.office_id == office_id,
            PostHolding.until.is_(None),
            PostHolding.is_additional.is_(False),
        )
    )
    return {post_id: user for post_id, user in rows}


def _match_users(rows: list[dict], office: Office, assign=None) -> None:
    """Find each row's user (employee ID first, then mobile) and say what will happen;
    `assign(users by id)` gives posts by designation once the users are known."""
    emp = {r["employee_id"] for r in rows if r.get("employee_id")}
    mob = {r["mobile"] for r in rows if r.get("mobile")}
    found: dict[tuple[str, str], User] = {}
    for chunk in _chunks(sorted(emp), 1000):
        for u in db.session.scalars(
            select(User).where(User.employee_id.in_(chunk)).options(_with_posts)
        ):
            found[("e", u.employee_id)] = u
    for chunk in _chunks(sorted(mob), 1000):
        for u in db.session.scalars(
            select(User).where(User.mobile.in_(chunk)).options(_with_posts)
        ):
            found.setdefault(("m", u.mobile), u)
    offices = {}
    users: dict[int, User] = {}
    for r in rows:
        user = (r.get("employee_id") and found.get(("e", r["employee_id"]))) or (
            r.get("mobile") and found.get(("m", r["mobile"]))
        )
        r["user_id"] = user.id if user else None
        if user is None:
            continue
        users[user.id] = user
        if not user.is_enabled:
            r["errors"].append({"code": "user_disabled"})
        elif user.office_id != office.id:
            if user.office_id not in offices:
                offices[user.office_id] = db.session.get(Office, user.office_id)
            r["errors"].append(
                {"code": "user_other_office", "value": offices[user.office_id].name_hi}
            )
    if assign is not None:
        assign(users)
    for r in rows:
        user = users.get(r["user_id"] or 0)
        if r.get("post_holder_id") and r["post_holder_id"] != r["user_id"]:
            r["errors"].append(
                {"code": "post_held", "value": r["post_abbreviation"], "holder": r["post_holder"]}
            )
        r.pop("transfer_from", None)
        if user is not None and (r.get("post_id") or r.get("post_created")):
            regular = [
                h.post for h in user.current_holdings
                if not h.is_additional and h.post_id != r.get("post_id")
            ]  # fmt: skip
            if regular:  # a new regular post for them: a transfer, the old one ends
                r["transfer_from"] = ", ".join(p.designation_hi for p in regular)
        if r["errors"]:
            r["action"] = "error"
        elif user is None:
            r["action"] = "new"
        else:
            r["action"] = "update" if _changes(user, r) else "same"
        r["no_post"] = r["action"] != "error" and not (
            r.get("post_id") or r.get("post_created") or (user and user.current_holdings)
        )
    if any(r["action"] == "new" for r in rows):
        taken = set(db.session.scalars(select(User.login_id)))
        for r in rows:
            if r["action"] == "new":
                r["login_id"] = _free_login_id(login_base(r["name_hi"], r["name_en"]), taken)


_with_posts = selectinload(User.holdings).joinedload(PostHolding.post)


def _changes(user: User, r: dict) -> list[str]:
    changed = [
        f
        for f in ("name_hi", "mobile", "email", "aadhaar_last4", "employee_id")
        if r.get(f) and getattr(user, f) != r[f]
    ]
    if r.get("post_created") or (
        r.get("post_id") and r["post_id"] not in {h.post_id for h in user.current_holdings}
    ):
        changed.append("post")
    return changed


def _free_login_id(base: str, taken: set[str]) -> str:
    """base, else base2, base3 …: not in `taken` (every login ID now, and this import's)."""
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}{n}"
    taken.add(login)
    return login


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def message(err: dict) -> str:
    params = {k: v for k, v in err.items() if k != "code"}
    return str(MESSAGES[err["code"]]) % params if params else str(MESSAGES[err["code"]])


def summary(plan_rows: list[dict]) -> dict[str, int]:
    out = {a: 0 for a in ACTIONS}
    for r in plan_rows:
        out[r["action"]] += 1
    out["posts"] = sum(1 for r in plan_rows if r["action"] != "error" and r.get("post_created"))
    out["no_post"] = sum(1 for r in plan_rows if r.get("no_post"))
    out["transfers"] = sum(
        1 for r in plan_rows if r["action"] != "error" and r.get("transfer_from")
    )
    return out


# --- preview and apply -----------------------------------------------------------------


def preview(
    actor: Actor, data: bytes, filename: str, office: Office, *, create_posts: bool = True
) -> StaffImport:
    """Check the file and keep the plan (no user or post is made). Raises Refused(code)."""
    rows = read_table(data, filename)
    imp = StaffImport(
        office_id=office.id,
        by_user_id=actor.id,
        filename=clean_line(os.path.basename(filename or ""))[:255] or "staff",
        sha256=hashlib.sha256(data).hexdigest(),
        plan=plan(rows, office, create_posts=create_posts),
    )
    db.session.add(imp)
    db.session.flush()
    return imp


def apply(actor: Actor, imp: StaffImport) -> dict[str, int]:
    """Make what the plan says, the rows with errors left out, all in this transaction. The
    plan is checked again against the database as it is now (someone may have acted since).
    Posts, users, charges and audit events go in batches; the one-time passwords are hashed
    first, before the office's import lock is taken (the slow part: about 85 ms each)."""
    if imp.status not in ("preview", "queued"):
        raise Refused("applied")
    lines = [r["line"] for r in imp.plan if r["action"] == "new"]
    passwords = [one_time_password() for _ in lines]
    ready = dict(zip(lines, zip(passwords, _hash_all(passwords), strict=True), strict=True))
    advisory_lock(f"staff-import:{imp.office_id}")
    office = imp.office
    fresh = _recheck(imp.plan, office)
    todo = [r for r in fresh if r["action"] in ("new", "update")]
    counts = summary(fresh)
    events: list[dict[str, Any]] = []
    base = {"user_id": actor.id, "office_id": office.id, "via": "staff_import"}

    # posts the list names that the office does not have yet
    rank = db.session.scalar(select(func.max(Post.rank)).where(Post.office_id == office.id))
    new_posts = {}
    for r in todo:
        if r.get("post_created") and r["post_abbreviation"] not in new_posts:
            rank = (rank or 100) + 1
            new_posts[r["post_abbreviation"]] = Post(
                office_id=office.id,
                section_id=r["section_id"],
                designation_hi=r["designation"],
                designation_en=romanise(r["designation"]).title() or r["designation"],
                abbreviation=r["post_abbreviation"][:40],
                rank=rank,
            )
    db.session.add_all(new_posts.values())
    db.session.flush()
    for post in new_posts.values():
        events.append(
            {"action": "admin_post_create", "object_type": "post", "object_id": post.id,
             "abbreviation": post.abbreviation, **base}
        )  # fmt: skip

    # new users, with their one-time passwords; and the changes to those who exist
    slips: list[dict[str, Any]] = []
    made: list[tuple[dict, User, str]] = []
    for r in todo:
        if r["action"] != "new":
            continue
        if r["line"] not in ready:  # new only since the preview (someone removed a user)
            password = one_time_password()
            ready[r["line"]] = (password, hash_password(password))
        password, password_hash = ready[r["line"]]
        user = User(
            login_id=r["login_id"],
            name_hi=r["name_hi"],
            name_en=r["name_en"] or r["login_id"],
            mobile=r["mobile"],
            email=r["email"],
            aadhaar_last4=r["aadhaar_last4"],
            employee_id=r["employee_id"],
            password_hash=password_hash,
            role=Role.STAFF,
            office_id=office.id,
            must_change_password=True,
        )
        made.append((r, user, password))
    db.session.add_all([u for _, u, _ in made])
    existing = {
        u.id: u
        for chunk in _chunks([r["user_id"] for r in todo if r["action"] == "update"], 1000)
        for u in db.session.scalars(select(User).where(User.id.in_(chunk)))
    }
    for r in todo:
        if r["action"] == "update":
            for f in ("name_hi", "mobile", "email", "aadhaar_last4", "employee_id"):
                if r.get(f):
                    setattr(existing[r["user_id"]], f, r[f])
    db.session.flush()

    # charges: each row's post, unless the user holds it already
    held = set()
    for chunk in _chunks(list(existing), 1000):
        held |= set(
            map(
                tuple,
                db.session.execute(
                    select(PostHolding.user_id, PostHolding.post_id).where(
                        PostHolding.user_id.in_(chunk), PostHolding.until.is_(None)
                    )
                ),
            )
        )
    by_row = {id(r): u for r, u, _ in made}
    holdings = []
    for r in todo:
        user = by_row.get(id(r)) or existing[r["user_id"]]
        post = new_posts.get(r["post_abbreviation"]) if r.get("post_created") else None
        post_id = post.id if post else r.get("post_id")
        if post_id and r.get("transfer_from"):  # a new regular post: the old one ends today
            for h in user.current_holdings:
                if not h.is_additional and h.post_id != post_id:
                    h.until = max(today(), h.since)
                    held.discard((user.id, h.post_id))
        if post_id and (user.id, post_id) not in held:
            holdings.append(PostHolding(user_id=user.id, post_id=post_id))
            held.add((user.id, post_id))
        events.append(
            {"action": "admin_user_create" if r["action"] == "new" else "admin_user_update",
             "object_type": "user", "object_id": user.id, "login_id": user.login_id,
             "post_id_held": post_id, "import_id": imp.id, **base}
        )  # fmt: skip
    db.session.add_all(holdings)
    slips = [{"user_id": u.id, "login_id": u.login_id, "password": p} for _, u, p in made]
    imp.plan = fresh
    imp.status = "applied"
    imp.applied_at = datetime.now(UTC)
    imp.slips = seal(json.dumps(slips).encode()) if slips else None
    db.session.flush()
    events.append(
        {"action": "admin_staff_import", "object_type": "staff_import", "object_id": imp.id,
         "sha256": imp.sha256, **{k: v for k, v in counts.items()}, **base}
    )  # fmt: skip
    audit.record_many(events)
    return counts


def _hash_all(passwords: list[str]) -> list[str]:
    """Each one-time password hashed as every password is (argon2's defaults), on every core:
    argon2 lets go of Python's lock while it works."""
    if len(passwords) < 2:
        return [hash_password(p) for p in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(hash_password, passwords))


def _recheck(old: list[dict], office: Office) -> list[dict]:
    """The plan again from its own cleaned values, so that a user made or a post filled by
    someone else since the preview is seen now (the errors found before stay)."""
    ctx = _context(office)
    holders = _regular_holders(office.id)
    rows = []
    for r in old:
        # what the database says is found again below; what the file said stays
        again = ("post_held", "user_other_office", "user_disabled")
        r = {**r, "errors": [e for e in r["errors"] if e["code"] not in again]}
        key = _header_key(r["post_abbreviation"] or "")
        post = ctx.posts.get(key) if key else None
        r["post_created"] = bool(key) and post is None and r["post_created"]
        r["post_id"] = post.id if post else None
        r.pop("post_holder_id", None)
        if post is not None and post.id in holders:
            r["post_holder_id"] = holders[post.id].id
            r["post_holder"] = holders[post.id].name_hi
        rows.append(r)
    _match_users(rows, office)
    return rows


# --- one-time passwords, sealed for the slips --------------------------------------------


#: the slips' key: sha256("eoffice staff slips\0" + SECRET_KEY), as before the sealer was shared
SLIPS = Sealer(b"eoffice staff slips")


def seal(data: bytes) -> bytes:
    return SLIPS.seal(data, b"slips")


def unseal(blob: bytes) -> bytes:
    return SLIPS.unseal(blob, b"slips")


def slips_of(imp: StaffImport) -> list[tuple[User, str]]:
    """(user, one-time password) for each user of the import who has not logged in yet."""
    if not imp.slips:
        return []
    items = json.loads(unseal(imp.slips))
    users = {
        u.id: u
        for chunk in _chunks([i["user_id"] for i in items], 1000)
        for u in db.session.scalars(
            select(User)
            .where(User.id.in_(chunk))
            .options(selectinload(User.holdings).joinedload(PostHolding.post))
        )
    }
    return [
        (users[i["user_id"]], i["password"])
        for i in items
        if i["user_id"] in users
        and users[i["user_id"]].must_change_password
        and users[i["user_id"]].password_changed_at is None
    ]
