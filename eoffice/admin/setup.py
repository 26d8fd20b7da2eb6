"""Setting up an office: its details and number pattern, sections, posts, subject heads,
categories with time limits, routes and holidays; and users (create, deactivate, reset a
password, unlock, charges). Every change is an audit event. Services flush and never commit;
a refusal is `Refused(code)`, its words in `MESSAGES`."""

from __future__ import annotations

import csv
import io
import re
import string
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eoffice.admin.names import login_base
from eoffice.admin.staff import _free_login_id, clean_mobile, one_time_password
from eoffice.auth import services as auth_services
from eoffice.auth.models import LoginAttempt
from eoffice.auth.services import hash_password, is_valid_login_id
from eoffice.files.models import Correspondence, File, SubjectHead
from eoffice.movement.models import Holiday, RouteStep, RouteTemplate, TimeLimit
from eoffice.org import services as org_services
from eoffice.org.messages import CHARGE_REFUSED
from eoffice.org.models import (
    FILE_NUMBER_PATTERN,
    Delegation,
    FileTerm,
    Office,
    OfficeKind,
    Post,
    PostHolding,
    Role,
    Section,
    User,
)
from eoffice.platform import audit
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line, clean_text, email_address
from eoffice.policy import Actor
from eoffice.receipts.models import Receipt, ReceiptCategory
from eoffice.web.hostile import to_int

MESSAGES = {
    "required": _l("Fill in every field marked as needed."),
    "dak_post": _l("Choose one of the office's posts as its dak desk."),
    "record_post": _l("Choose one of the office's posts as its record keeper."),
    "too_long": _l("A value is too long."),
    "code_taken": _l("This code is already used in the office."),
    "office_code_taken": _l("Another office of the district already uses this code."),
    "bad_kind": _l("Choose the kind of office."),
    "pattern": _l(
        "The pattern must contain each of {office}, {section}, {head}, {serial} and {year} "
        "exactly once, and nothing else in braces."
    ),
    "pattern_collides": _l(
        "With this pattern the next number (%(number)s) would be one that a file already has."
    ),
    "section_unknown": _l("Choose a section of this office."),
    "post_holds": _l(
        "The post cannot be abolished: it holds %(files)d files and %(receipts)d receipts, and "
        "has %(holders)d holders. Move them first."
    ),
    "days": _l("Give the time limit as working days, 1 to 365."),
    "route_posts": _l("Choose at least one post, each of this office."),
    "category_unknown": _l("Choose a category of this office."),
    "date": _l("Give a date as dd-mm-yyyy."),
    "holiday_taken": _l("There is already a holiday on that day."),
    "holiday_csv": _l(
        "Line %(line)s of the holiday list could not be read: each line needs a date "
        "(dd-mm-yyyy) and a name."
    ),
    "login_taken": _l("This login ID is taken."),
    "login_id": _l("A login ID has 3 to 64 of a–z, 0–9, dot and dash."),
    "mobile": _l("The mobile number is not a 10-digit Indian mobile number."),
    "email": _l("The email address is not valid."),
    "role": _l("Choose a role."),
    "role_not_yours": _l("Only the district admin can make a district admin."),
    "yourself": _l("You cannot deactivate yourself or change your own role."),
    "attendees": _l("Tick who attended."),
    "office_busy": _l(
        "The office cannot be closed: it has %(users)d active users, %(holders)d post holders, "
        "%(files)d open files and %(receipts)d receipts. Transfer or deactivate them first."
    ),
    "prefix": _l("The dispatch prefix is one word of letters (at most 16), e.g. प्रेषण."),
    "employee_taken": _l("Another user has this employee ID."),
    **CHARGE_REFUSED,
}  # fmt: skip

KINDS = {
    OfficeKind.COLLECTORATE: _l("Collectorate"),
    OfficeKind.DEVELOPMENT: _l("Development office (Vikas Bhawan)"),
    OfficeKind.TEHSIL: _l("Tehsil"),
    OfficeKind.BLOCK: _l("Block office"),
    OfficeKind.DEPARTMENT: _l("Department"),
}
PRIORITIES = ("normal", "immediate", "most_immediate")
PLACEHOLDERS = ("office", "section", "head", "serial", "year")


def _text(value: str | None, limit: int, *, required: bool = True) -> str:
    value = clean_line(value)
    if required and not value:
        raise Refused("required")
    if len(value) > limit:
        raise Refused("too_long")
    return value


def _audit(actor: Actor, action: str, object_type: str, object_id: int, **data: Any) -> None:
    audit.record(action, user_id=actor.id, object_type=object_type, object_id=object_id, **data)


# --- offices ---------------------------------------------------------------------------


def check_pattern(pattern: str) -> str:
    """A file-number pattern: each placeholder once, no other field, no format spec (a pattern
    is `str.format`ted: "{office.__class__}" must never reach it)."""
    pattern = _text(pattern, 80)
    try:
        fields = [
            (name, spec, conv)
            for _lit, name, spec, conv in string.Formatter().parse(pattern)
            if name is not None
        ]
    except ValueError as e:
        raise Refused("pattern") from e
    names = [n for n, _s, _c in fields]
    if sorted(names) != sorted(PLACEHOLDERS) or any(s or c for _n, s, c in fields):
        raise Refused("pattern")
    return pattern


def preview_number(office: Office, pattern: str) -> str | None:
    """The next file number under `pattern` for the office's first section and subject head in
    use; None while it has none (a number made up of guesses would mislead)."""
    section = next((s for s in office.sections if s.retired_at is None), None)
    head = db.session.scalar(
        select(SubjectHead)
        .where(SubjectHead.office_id == office.id, SubjectHead.retired_at.is_(None))
        .order_by(SubjectHead.id)
    )
    if section is None or head is None:
        return None
    year = today().year
    serial = 1 + db.session.scalar(
        select(func.count(File.id)).where(
            File.section_id == section.id, File.head_id == head.id, File.year == year
        )
    )
    return pattern.format(
        office=office.code, section=section.code, head=head.code, serial=serial, year=year
    )


def _prefix(value: str | None) -> str:
    """The middle of dispatch numbers: letters and dashes only (a "/" would make numbers that
    read as another office's)."""
    value = clean_line(value) or "प्रेषण"
    if len(value) > 16 or not re.fullmatch(r"[\w\u0900-\u097f-]+", value):
        raise Refused("prefix")
    return value


def save_office(actor: Actor, office: Office | None, form: dict[str, str]) -> Office:
    code = _text(form.get("code"), 16)
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise Refused("bad_kind")
    term = form.get("file_term", FileTerm.PATRAVALI)
    if term not in (FileTerm.PATRAVALI, FileTerm.NASTI):
        term = FileTerm.PATRAVALI
    pattern = check_pattern(form.get("file_number_pattern") or FILE_NUMBER_PATTERN)
    district_id = office.district_id if office else actor.user.office.district_id
    clash = db.session.scalar(
        select(Office.id).where(Office.district_id == district_id, Office.code == code)
    )
    if clash and (office is None or clash != office.id):
        raise Refused("office_code_taken")
    values = {
        "code": code,
        "name_hi": _text(form.get("name_hi"), 200),
        "name_en": _text(form.get("name_en"), 200),
        "kind": kind,
        "file_term": term,
        "enquiry": _text(form.get("enquiry"), 300, required=False) or None,
        "letterhead": _text(form.get("letterhead"), 500, required=False) or None,
        "dispatch_prefix": _prefix(form.get("dispatch_prefix")),
        "file_number_pattern": pattern,
    }
    if office is None:
        office = Office(district_id=district_id, **values)
        db.session.add(office)
        db.session.flush()
        _audit(actor, "admin_office_create", "office", office.id, code=code)
        return office
    if pattern != office.file_number_pattern:
        _refuse_colliding(office, pattern)
    changed = {k: v for k, v in values.items() if getattr(office, k) != v}
    for k, v in changed.items():
        setattr(office, k, v)
    db.session.flush()
    if changed:
        _audit(actor, "admin_office_edit", "office", office.id, changed=sorted(changed))
    return office


def _refuse_colliding(office: Office, pattern: str) -> None:
    """The next number of every running sequence under the new pattern must be new."""
    rows = db.session.execute(
        select(Section.code, SubjectHead.code, File.year, func.max(File.serial))
        .join(Section, Section.id == File.section_id)
        .join(SubjectHead, SubjectHead.id == File.head_id)
        .where(File.office_id == office.id)
        .group_by(Section.code, SubjectHead.code, File.year)
    ).all()
    for s, h, year, serial in rows:
        number = pattern.format(office=office.code, section=s, head=h, serial=serial + 1, year=year)
        taken = db.session.scalar(
            select(File.id).where(File.office_id == office.id, File.number == number)
        )
        if taken:
            raise refused("pattern_collides", number=number)


def refused(code: str, **details: Any) -> Refused:
    """A refusal whose message takes values (MESSAGES[code] % details)."""
    return Refused(code, **details)


# --- sections, posts, heads ------------------------------------------------------------


def add_section(actor: Actor, office: Office, form: dict[str, str]) -> Section:
    code = _text(form.get("code"), 16)
    if db.session.scalar(
        select(Section.id).where(Section.office_id == office.id, Section.code == code)
    ):
        raise Refused("code_taken")
    section = Section(
        office_id=office.id,
        code=code,
        name_hi=_text(form.get("name_hi"), 200),
        name_en=_text(form.get("name_en"), 200, required=False) or code,
    )
    db.session.add(section)
    db.session.flush()
    _audit(actor, "admin_section_create", "section", section.id, office_id=office.id, code=code)
    return section


def _section_of(office: Office, value: str | None, *, required: bool) -> Section | None:
    if not value:
        if required:
            raise Refused("section_unknown")
        return None
    section = db.session.get(Section, sid) if (sid := to_int(value)) else None
    if section is None or section.office_id != office.id or section.retired_at is not None:
        raise Refused("section_unknown")
    return section


def add_post(actor: Actor, office: Office, form: dict[str, str]) -> Post:
    abbreviation = _text(form.get("abbreviation"), 40)
    if db.session.scalar(
        select(Post.id).where(
            Post.office_id == office.id,
            Post.abbreviation == abbreviation,
        )
    ):
        raise Refused("code_taken")
    section = _section_of(office, form.get("section"), required=False)
    rank = db.session.scalar(select(func.max(Post.rank)).where(Post.office_id == office.id))
    post = Post(
        office_id=office.id,
        section_id=section.id if section else None,
        designation_hi=_text(form.get("designation_hi"), 200),
        designation_en=_text(form.get("designation_en"), 200, required=False) or abbreviation,
        abbreviation=abbreviation,
        may_approve=form.get("may_approve") == "y",
        rank=(rank or 100) + 1,
    )
    db.session.add(post)
    db.session.flush()
    _audit(
        actor, "admin_post_create", "post", post.id, office_id=office.id, abbreviation=abbreviation
    )
    return post


def post_holds(post: Post) -> dict[str, int]:
    return {
        "files": db.session.scalar(
            select(func.count(File.id)).where(
                File.holder_post_id == post.id, File.status != "closed"
            )
        ),
        "receipts": db.session.scalar(
            select(func.count(Receipt.id)).where(Receipt.holder_post_id == post.id)
        ),
        "holders": db.session.scalar(
            select(func.count(PostHolding.id)).where(
                PostHolding.post_id == post.id, PostHolding.until.is_(None)
            )
        ),
    }


def _name_desk(office: Office, form: dict[str, str], field: str) -> Post:
    """Name one of the office's active posts as one of its desks (`field`: the form's field
    and, with "_id", the office's column)."""
    post = db.session.get(Post, to_int(form.get(field)) or 0)
    if post is None or post.office_id != office.id or not post.is_active:
        raise Refused(field)
    setattr(office, f"{field}_id", post.id)
    db.session.flush()
    return post


def set_dak_desk(actor: Actor, office: Office, form: dict[str, str]) -> Post:
    """डाक डेस्क: the post where letters sent to the office in e-Office arrive (a letter
    addressed to one of its posts goes to that post)."""
    post = _name_desk(office, form, "dak_post")
    _audit(actor, "admin_dak_desk", "office", office.id, post_id=post.id)
    return post


def set_record_desk(actor: Actor, office: Office, form: dict[str, str]) -> Post:
    """अभिलेखपाल: the record keeper's post, who reviews the record room and proposes weeding."""
    post = _name_desk(office, form, "record_post")
    _audit(actor, "admin_record_desk", "office", office.id, post_id=post.id)
    return post


def abolish_post(actor: Actor, post: Post) -> None:
    """A post that holds files or receipts, or has a holder, stays: say what it holds."""
    holds = post_holds(post)
    if any(holds.values()):
        raise refused("post_holds", **holds)
    post.is_active = False
    if post.office.dak_post_id == post.id:  # e-Office letters to the office need a new desk
        post.office.dak_post_id = None
    db.session.flush()
    _audit(actor, "admin_post_abolish", "post", post.id, office_id=post.office_id)


def add_head(actor: Actor, office: Office, form: dict[str, str]) -> SubjectHead:
    code = _text(form.get("code"), 20)
    if db.session.scalar(
        select(SubjectHead.id).where(SubjectHead.office_id == office.id, SubjectHead.code == code)
    ):
        raise Refused("code_taken")
    section = _section_of(office, form.get("section"), required=False)
    head = SubjectHead(
        office_id=office.id,
        section_id=section.id if section else None,
        code=code,
        name_hi=_text(form.get("name_hi"), 200),
        name_en=_text(form.get("name_en"), 200, required=False) or code,
    )
    db.session.add(head)
    db.session.flush()
    _audit(actor, "admin_head_create", "subject_head", head.id, office_id=office.id, code=code)
    return head


# --- correcting and retiring what was set up ------------------------------------------

#: the masters an admin corrects and retires through one screen: kind → (model, code's length)
MASTERS: dict[str, tuple[type, int | None]] = {
    "section": (Section, 16),
    "head": (SubjectHead, 20),
    "category": (ReceiptCategory, None),
}


#: the audit's name for each kind of master
OBJECT_TYPES = {"section": "section", "head": "subject_head", "category": "category"}


def edit_master(actor: Actor, kind: str, item: Any, form: dict[str, str]) -> list[str]:
    """Rename or correct a section, subject head or category. What was made under it keeps
    what it was given (a file number keeps the old code); the audit event keeps the old and
    new values. Returns the fields changed."""
    model, code_length = MASTERS[kind]
    limit = 120 if model is ReceiptCategory else 200
    values: dict[str, Any] = {
        "name_hi": _text(form.get("name_hi"), limit),
        "name_en": _text(form.get("name_en"), limit, required=False) or item.name_en,
    }
    if code_length is not None:
        code = _text(form.get("code"), code_length)
        if code != item.code and db.session.scalar(
            select(model.id).where(model.office_id == item.office_id, model.code == code)
        ):
            raise Refused("code_taken")
        values["code"] = code
    if model is SubjectHead:
        office = db.session.get(Office, item.office_id)
        section = _section_of(office, form.get("section"), required=False)
        values["section_id"] = section.id if section else None
    changed = sorted(k for k, v in values.items() if getattr(item, k) != v)
    before = {k: getattr(item, k) for k in changed}
    for k in changed:
        setattr(item, k, values[k])
    db.session.flush()
    if changed:
        _audit(actor, f"admin_{kind}_edit", OBJECT_TYPES[kind], item.id, office_id=item.office_id,
               before=before, after={k: values[k] for k in changed})  # fmt: skip
    return changed


def retire_master(actor: Actor, kind: str, item: Any, retire: bool) -> None:
    """Retired: no longer offered for new files, receipts or posts; restored: offered again."""
    if retire == (item.retired_at is not None):
        return  # the same button twice on a slow link
    item.retired_at = func.now() if retire else None
    db.session.flush()
    _audit(actor, f"admin_{kind}_{'retire' if retire else 'restore'}", OBJECT_TYPES[kind], item.id,
           office_id=item.office_id, name=item.name_hi)  # fmt: skip


def remove_route(actor: Actor, route: RouteTemplate) -> None:
    _audit(actor, "admin_route_remove", "route", route.id, office_id=route.office_id,
           category_id=route.category_id)  # fmt: skip
    for step in list(route.steps):
        db.session.delete(step)
    db.session.delete(route)
    db.session.flush()


# --- categories, time limits, routes ----------------------------------------------------


def _days(value: str | None) -> int:
    """Working days at a desk: at least 1 (0 would be stricter than तत्काल), at most 365."""
    value = clean_line(value)
    if not value.isdigit() or len(value) > 3 or not 1 <= int(value) <= 365:
        raise Refused("days")
    return int(value)


def add_category(actor: Actor, office: Office, form: dict[str, str]) -> ReceiptCategory:
    name_hi = _text(form.get("name_hi"), 120)
    days = _days(form.get("days"))
    category = ReceiptCategory(
        office_id=office.id,
        name_hi=name_hi,
        name_en=_text(form.get("name_en"), 120, required=False) or name_hi,
    )
    db.session.add(category)
    db.session.flush()
    for priority in PRIORITIES:  # the limit for every priority; "immediate" may be edited
        db.session.add(
            TimeLimit(
                office_id=office.id,
                category_id=category.id,
                priority=priority,
                working_days=days if priority == "normal" else max(1, days // 2),
            )
        )
    db.session.flush()
    _audit(actor, "admin_category_create", "category", category.id, office_id=office.id, days=days)
    return category


def set_limit(
    actor: Actor, office: Office, category: ReceiptCategory, form: dict[str, str]
) -> None:
    for priority in PRIORITIES:
        if f"days_{priority}" not in form:
            continue
        days = _days(form.get(f"days_{priority}"))
        limit = db.session.scalar(
            select(TimeLimit).where(
                TimeLimit.office_id == office.id,
                TimeLimit.category_id == category.id,
                TimeLimit.priority == priority,
            )
        )
        if limit is None:
            db.session.add(
                TimeLimit(
                    office_id=office.id,
                    category_id=category.id,
                    priority=priority,
                    working_days=days,
                )
            )
        else:
            limit.working_days = days
    db.session.flush()
    _audit(actor, "admin_time_limit", "category", category.id, office_id=office.id)


def set_route(actor: Actor, office: Office, form: dict[str, list[str]] | Any) -> RouteTemplate:
    raw = form.get("category", "")
    category = db.session.get(ReceiptCategory, cid) if (cid := to_int(raw)) else None
    if category is None or category.office_id != office.id:
        raise Refused("category_unknown")
    post_ids = []
    for value in form.getlist("posts") if hasattr(form, "getlist") else form.get("posts", []):
        if (pid := to_int(value)) is not None:
            post_ids.append(pid)
    posts = [db.session.get(Post, pid) for pid in post_ids[:12]]
    if not posts or any(p is None or p.office_id != office.id for p in posts):
        raise Refused("route_posts")
    route = db.session.scalar(
        select(RouteTemplate).where(
            RouteTemplate.office_id == office.id, RouteTemplate.category_id == category.id
        )
    )
    if route is None:
        route = RouteTemplate(office_id=office.id, category_id=category.id)
        db.session.add(route)
        db.session.flush()
    else:
        for step in list(route.steps):
            db.session.delete(step)
        db.session.flush()
    for i, post in enumerate(posts, start=1):
        db.session.add(RouteStep(route_id=route.id, position=i, post_id=post.id))
    db.session.flush()
    db.session.expire(route, ["steps"])
    _audit(
        actor,
        "admin_route_set",
        "route",
        route.id,
        office_id=office.id,
        category_id=category.id,
        posts=[p.id for p in posts],
    )
    return route


# --- holidays -------------------------------------------------------------------------


def parse_date(value: str | None) -> date:
    value = clean_line(value)
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(value)
    except ValueError as e:
        raise Refused("date") from e


def add_holiday(
    actor: Actor, office: Office, form: dict[str, str], *, district_wide: bool
) -> Holiday:
    on = parse_date(form.get("on"))
    if not 1950 <= on.year <= 2200:
        raise Refused("date")
    name_hi = _text(form.get("name_hi"), 200)
    office_id = None if district_wide else office.id
    taken = db.session.scalar(
        select(Holiday.id).where(
            Holiday.district_id == office.district_id,
            Holiday.on == on,
            Holiday.office_id.is_(None) if office_id is None else Holiday.office_id == office_id,
        )
    )
    if taken:
        raise Refused("holiday_taken")
    holiday = Holiday(
        district_id=office.district_id,
        office_id=office_id,
        on=on,
        name_hi=name_hi,
        name_en=_text(form.get("name_en"), 200, required=False) or name_hi,
    )
    db.session.add(holiday)
    db.session.flush()
    _audit(
        actor, "admin_holiday_add", "holiday", holiday.id, on=on.isoformat(), office_id=office_id
    )
    return holiday


def import_holidays(actor: Actor, office: Office, data: bytes, *, district_wide: bool) -> int:
    """The state's gazetted list as CSV lines "date,name" (a header line is skipped); all or
    nothing. Days already in the calendar are left as they are."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Refused("holiday_csv") from e
    added = 0
    rows = list(csv.reader(io.StringIO(text)))[:500]
    for line, row in enumerate(rows, start=1):
        cells = [clean_line(c) for c in row]
        if not any(cells):
            continue
        if line == 1 and not re.match(r"\d", cells[0]):
            continue  # the header
        try:
            on = parse_date(cells[0])
            name = _text(cells[1] if len(cells) > 1 else "", 200)
        except Refused as e:
            raise refused("holiday_csv", line=line) from e
        try:
            with db.session.begin_nested():
                add_holiday(
                    actor,
                    office,
                    {"on": on.isoformat(), "name_hi": name},
                    district_wide=district_wide,
                )
            added += 1
        except Refused:
            continue  # already a holiday that day
    return added


def remove_holiday(actor: Actor, holiday: Holiday) -> None:
    _audit(actor, "admin_holiday_remove", "holiday", holiday.id, on=holiday.on.isoformat())
    db.session.delete(holiday)
    db.session.flush()


# --- users ----------------------------------------------------------------------------


ROLES_AN_OFFICE_ADMIN_GIVES = (Role.STAFF, Role.SECTION_OFFICER, Role.OFFICER, Role.OFFICE_ADMIN)


def create_user(actor: Actor, office: Office, form: dict[str, str]) -> tuple[User, str]:
    name_hi = _text(form.get("name_hi"), 200)
    name_en = _text(form.get("name_en"), 200, required=False)
    role = form.get("role", Role.STAFF)
    if role not in [r.value for r in Role]:
        raise Refused("role")
    if role == Role.DISTRICT_ADMIN and actor.role != Role.DISTRICT_ADMIN:
        raise Refused("role_not_yours")
    login = clean_line(form.get("login_id")).lower()
    if login:
        if not is_valid_login_id(login):
            raise Refused("login_id")
        if db.session.scalar(select(User.id).where(User.login_id == login)):
            raise Refused("login_taken")
    else:
        login = _free_login_id(
            login_base(name_hi, name_en), set(db.session.scalars(select(User.login_id)))
        )
    mobile = None
    if clean_line(form.get("mobile")):
        mobile = clean_mobile(clean_line(form.get("mobile")))
        if mobile is None:
            raise Refused("mobile")
    typed = clean_line(form.get("email"))
    email = email_address(typed) if typed else None
    if typed and email is None:
        raise Refused("email")
    password = one_time_password()
    user = User(
        login_id=login,
        name_hi=name_hi,
        name_en=name_en or login.replace(".", " ").title(),
        mobile=mobile,
        email=email,
        employee_id=_text(form.get("employee_id"), 40, required=False) or None,
        password_hash=hash_password(password),
        role=role,
        office_id=office.id,
        must_change_password=True,
    )
    db.session.add(user)
    db.session.flush()
    _audit(
        actor, "admin_user_create", "user", user.id, office_id=office.id, login_id=login, role=role
    )
    return user, password


def set_enabled(actor: Actor, user: User, enabled: bool) -> None:
    """Deactivate (retired, transferred out) or activate again. Files stay with the posts: a
    deactivated user's charges end today, so their posts show vacant to whoever takes them."""
    if user.id == actor.id:
        raise Refused("yourself")
    user.is_enabled = enabled
    if not enabled:
        auth_services.end_sessions(user.id, "admin")
        for h in user.current_holdings:
            h.until = max(today(), h.since)
        for d in db.session.scalars(  # nobody acts for a post through a deactivated user
            select(Delegation).where(
                Delegation.delegate_id == user.id,
                Delegation.revoked_at.is_(None),
                Delegation.ends_on >= today(),
            )
        ):
            d.revoked_at = func.now()
    db.session.flush()
    _audit(actor, "admin_user_enable" if enabled else "admin_user_disable", "user", user.id)


def reset_password(actor: Actor, user: User) -> str:
    """A one-time password; every session of the user ends."""
    auth_services.end_sessions(user.id, "admin")
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.session.flush()
    _audit(actor, "admin_password_reset", "user", user.id)
    return password


def end_sessions(actor: Actor, user: User) -> None:
    """Sign the user out everywhere (a lost phone, a shared computer)."""
    auth_services.end_sessions(user.id, "admin")
    _audit(actor, "admin_end_sessions", "user", user.id)


def unlock(actor: Actor, user: User) -> None:
    """Failed attempts against the login ID stop counting from now (an admin's word is as
    good as a success of the owner's); the address's own count is untouched."""
    db.session.add(
        LoginAttempt(login_id=user.login_id, ip="admin", succeeded=True, outcome="unlocked")
    )
    db.session.flush()
    _audit(actor, "admin_login_unlock", "user", user.id)


def give_charge(actor: Actor, user: User, form: dict[str, str], office_ids: list[int]):
    """A regular charge (a transfer, within the office or to another office the admin keeps,
    with its date) or an additional one: org.services.take_charge says what ends."""
    post = db.session.get(Post, pid) if (pid := to_int(form.get("post", ""))) else None
    if post is None or post.office_id not in office_ids:
        raise Refused("post_unknown")
    on = parse_date(form.get("on")) if clean_line(form.get("on")) else today()
    return org_services.take_charge(actor, user, post, on, additional=form.get("additional") == "y")


def still_held(user: User, limit: int = 20) -> dict[str, Any]:
    """What deactivating the user leaves with their posts: the files and receipts those posts
    hold (they stay there, for the next holder), counted and the first few named."""
    post_ids = [h.post_id for h in user.current_holdings] or [0]
    out: dict[str, Any] = {"posts": [h.post for h in user.current_holdings]}
    filed = select(Correspondence.receipt_id).where(Correspondence.receipt_id.is_not(None))
    for key, model, number, done in (
        ("files", File, File.number, File.status != "closed"),
        ("receipts", Receipt, Receipt.diary_number, ~Receipt.id.in_(filed)),
    ):
        where = (model.holder_post_id.in_(post_ids), done)
        out[key + "_count"] = db.session.scalar(select(func.count()).where(*where)) or 0
        out[key] = db.session.execute(
            select(model.id, number, model.subject).where(*where).order_by(model.id).limit(limit)
        ).all()
    return out


def withdraw_charge(actor: Actor, holding: PostHolding) -> None:
    holding.until = today()
    db.session.flush()
    _audit(actor, "admin_charge_withdraw", "user", holding.user_id, post_id_held=holding.post_id)


def message(e: Refused) -> str:
    return e.say(MESSAGES.get(e.code, MESSAGES["required"]))


# --- training ---------------------------------------------------------------------------


def record_training(actor: Actor, office: Office, form) -> Any:
    """A session held: its day, topic and trainer, and who of the office attended."""
    from eoffice.admin.models import TrainingAttendance, TrainingSession

    held_on = parse_date(form.get("held_on"))
    if not 2000 <= held_on.year <= today().year + 1:
        raise Refused("date")
    ids = {n for v in form.getlist("attended") if (n := to_int(v)) is not None}
    people = (
        db.session.scalars(
            select(User).where(User.id.in_(ids), User.office_id == office.id, User.is_enabled)
        ).all()
        if ids
        else []
    )
    if not people:
        raise Refused("attendees")
    session = TrainingSession(
        office_id=office.id,
        held_on=held_on,
        topic=_text(form.get("topic"), 200),
        trainer=_text(form.get("trainer"), 200, required=False) or actor.user.name_hi,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add_all(TrainingAttendance(session_id=session.id, user_id=u.id) for u in people)
    db.session.flush()
    db.session.refresh(session, ["attendees"])
    _audit(
        actor,
        "admin_training",
        "training",
        session.id,
        office_id=office.id,
        held_on=held_on.isoformat(),
        attended=len(people),
    )
    return session


def edit_user(actor: Actor, user: User, form) -> None:
    """Name, contact, employee ID and role; the login ID stays (it is on the slips and in the
    audit trail). Every change is an audit event naming the fields, never their values."""
    values: dict[str, Any] = {
        "name_hi": _text(form.get("name_hi"), 200),
        "name_en": _text(form.get("name_en"), 200, required=False) or user.name_en,
        "employee_id": _text(form.get("employee_id"), 40, required=False) or None,
    }
    mobile = clean_line(form.get("mobile"))
    values["mobile"] = clean_mobile(mobile) if mobile else None
    if mobile and values["mobile"] is None:
        raise Refused("mobile")
    typed = clean_line(form.get("email"))
    email = email_address(typed) if typed else None
    if typed and email is None:
        raise Refused("email")
    values["email"] = email
    role = form.get("role", user.role)
    if role not in [r.value for r in Role]:
        raise Refused("role")
    if Role.DISTRICT_ADMIN in (role, user.role) and actor.role != Role.DISTRICT_ADMIN:
        raise Refused("role_not_yours")
    if user.id == actor.id and role != user.role:
        raise Refused("yourself")
    values["role"] = role
    if values["employee_id"] and db.session.scalar(
        select(User.id).where(User.employee_id == values["employee_id"], User.id != user.id)
    ):
        raise Refused("employee_taken")
    changed = sorted(k for k, v in values.items() if getattr(user, k) != v)
    for k in changed:
        setattr(user, k, values[k])
    db.session.flush()
    if changed:
        _audit(actor, "admin_user_edit", "user", user.id, changed=changed)


# --- standard letters ------------------------------------------------------------------


def save_template(actor: Actor, office: Office, form, template=None, *, district_wide=False):
    """A standard letter (मानक पत्र) drafts start from; with `district_wide`, the same letter
    is added to every office of the district."""
    from eoffice.files.models import LetterTemplate

    values = {
        "name_hi": _text(form.get("name_hi"), 200),
        "addressee": clean_text(form.get("addressee"))[:2000],
        "subject": _text(form.get("subject"), 1000, required=False),
        "body": clean_text(form.get("body")),
    }
    if not values["body"]:
        raise Refused("required")
    if len(values["body"]) > 20_000:
        raise Refused("too_long")
    values["name_en"] = _text(form.get("name_en"), 200, required=False) or values["name_hi"]
    if template is not None:
        for k, v in values.items():
            setattr(template, k, v)
        db.session.flush()
        _audit(actor, "admin_template_edit", "letter_template", template.id, office_id=office.id)
        return template
    offices = (
        db.session.scalars(select(Office).where(Office.district_id == office.district_id)).all()
        if district_wide
        else [office]
    )
    made = [LetterTemplate(office_id=o.id, **values) for o in offices]
    db.session.add_all(made)
    db.session.flush()
    for t in made:
        _audit(actor, "admin_template_create", "letter_template", t.id, office_id=t.office_id)
    return made[0]


def remove_template(actor: Actor, template) -> None:
    _audit(
        actor, "admin_template_remove", "letter_template", template.id, office_id=template.office_id
    )
    db.session.delete(template)
    db.session.flush()


def save_district(actor: Actor, district, form) -> None:
    values = {
        "name_hi": _text(form.get("name_hi"), 120),
        "name_en": _text(form.get("name_en"), 120),
        "state_hi": _text(form.get("state_hi"), 120),
    }
    changed = sorted(k for k, v in values.items() if getattr(district, k) != v)
    for k in changed:
        setattr(district, k, values[k])
    db.session.flush()
    if changed:
        _audit(actor, "admin_district_edit", "district", district.id, changed=changed)


def close_office(actor: Actor, office: Office) -> None:
    """Close an office that nobody works in any more: refused, saying what it still has, while
    it has active users, posts with holders, or open files or receipts with its posts. Its
    files, letters and audit trail stay as they were."""
    from datetime import UTC, datetime

    posts = select(Post.id).where(Post.office_id == office.id)
    holds = {
        "users": db.session.scalar(
            select(func.count(User.id)).where(User.office_id == office.id, User.is_enabled)
        ),
        "holders": db.session.scalar(
            select(func.count(PostHolding.id)).where(
                PostHolding.post_id.in_(posts), PostHolding.until.is_(None)
            )
        ),
        "files": db.session.scalar(
            select(func.count(File.id)).where(
                File.holder_post_id.in_(posts), File.status != "closed"
            )
        ),
        "receipts": db.session.scalar(
            select(func.count(Receipt.id)).where(Receipt.holder_post_id.in_(posts))
        ),
    }
    if any(holds.values()):
        raise refused("office_busy", **holds)
    office.closed_at = datetime.now(UTC)
    db.session.flush()
    _audit(actor, "admin_office_close", "office", office.id)


def edit_holiday(actor: Actor, holiday: Holiday, form) -> None:
    on = parse_date(form.get("on"))
    if not 1950 <= on.year <= 2200:
        raise Refused("date")
    name_hi = _text(form.get("name_hi"), 200)
    taken = db.session.scalar(
        select(Holiday.id).where(
            Holiday.district_id == holiday.district_id,
            Holiday.on == on,
            Holiday.id != holiday.id,
            Holiday.office_id.is_(None)
            if holiday.office_id is None
            else Holiday.office_id == holiday.office_id,
        )
    )
    if taken:
        raise Refused("holiday_taken")
    holiday.on, holiday.name_hi = on, name_hi
    holiday.name_en = _text(form.get("name_en"), 200, required=False) or holiday.name_en
    db.session.flush()
    _audit(actor, "admin_holiday_edit", "holiday", holiday.id, on=on.isoformat())
