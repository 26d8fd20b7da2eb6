"""The audit trail read as sentences in the user's language: "रामकिशोर यादव ने पत्रावली
कले/राज/भू-अभि/2/2026 अनुभाग अधिकारी (राजस्व) को भेजी।" — actions named in words, people, posts,
offices, files and receipts by name and number, never JSON or ids. The event itself is not
changed (the chain hashes what was written); this only reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eoffice.org.models import Office, Post, Section, User
from eoffice.platform.audit import AuditEvent
from eoffice.platform.extensions import db

#: every action the code records, in words (a test walks the code and fails on one missing)
ACTIONS: dict[str, Any] = {
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "password_changed": _l("Changed the password"),
    "end_sessions": _l("Signed out everywhere"),
    "switch_post": _l("Switched post"),
    "add_credential": _l("Registered a signing certificate"),
    "remove_credential": _l("Removed a signing certificate"),
    "open_file": _l("Opened a new file"),
    "open": _l("Opened"),
    "view": _l("Looked at"),
    "diarise": _l("Diarised"),
    "send": _l("Sent"),
    "pull_back": _l("Pulled back"),
    "remind": _l("Sent a reminder"),
    "attach_receipt": _l("Put a receipt in a file"),
    "attach_document": _l("Added a document"),
    "link_files": _l("Linked files"),
    "finalise_note": _l("Wrote a note"),
    "create_letter": _l("Started a draft letter"),
    "save_letter": _l("Saved a draft letter"),
    "approve_letter": _l("Approved a draft letter"),
    "sign_letter": _l("Signed a letter"),
    "sign_note": _l("Signed a note"),
    "dispatch": _l("Issued a letter"),
    "dispatch_added": _l("Added a recipient to an issued letter"),
    "dispatch_retry": _l("Sent an issued letter again"),
    "e_dispatch_received": _l("Received a letter in e-Office"),
    "ltv_renewed": _l("Renewed the long-term validation of a letter"),
    "open_part": _l("Opened a part file"),
    "part_opened": _l("Part file opened"),
    "merge_part": _l("Merged a part file"),
    "merged_into": _l("Merged into the main file"),
    "close_file": _l("Closed a file"),
    "reopen_file": _l("Reopened a file"),
    "park_file": _l("Parked a file"),
    "resume_file": _l("Resumed a file"),
    "record_file": _l("Recorded a file"),
    "keep_record": _l("Kept a recorded file for more years"),
    "propose_weeding": _l("Proposed weeding a file"),
    "refuse_weeding": _l("Refused weeding a file"),
    "weed_file": _l("Weeded a file"),
    "mark_file": _l("Marked a file for a register"),
    "mark_receipt": _l("Marked a receipt for a register"),
    "marking_acknowledge": _l("Entered a VIP reference's acknowledgement"),
    "marking_transfer": _l("Entered an RTI transfer under section 6(3)"),
    "marking_hearing": _l("Entered a court case's next hearing"),
    "marking_close": _l("Closed a register marking"),
    "marking_reminder": _l("Reminded of a register limit"),
    "add_to_guard_file": _l("Kept a note or letter in the guard file"),
    "add_order": _l("Added a government order or circular to the library"),
    "set_retention": _l("Changed the retention schedule"),
    "admin_record_desk": _l("Named the record keeper"),
    "task_assign": _l("Gave a task"),
    "task_progress": _l("Reported progress on a task"),
    "task_done": _l("Finished a task"),
    "delegate": _l("Delegated a post"),
    "revoke_delegation": _l("Ended a delegation"),
    "relieve": _l("Relieved of a post"),
    "join": _l("Given a charge"),
    "transfer": _l("Transferred"),
    "setup": _l("Set up the installation"),
    "user": _l("Made a user"),
    "admin_user_create": _l("Created a user"),
    "admin_user_edit": _l("Edited a user"),
    "admin_user_enable": _l("Activated a user"),
    "admin_user_disable": _l("Deactivated a user"),
    "admin_password_reset": _l("Reset a password"),
    "admin_end_sessions": _l("Signed a user out everywhere"),
    "admin_login_unlock": _l("Unlocked a login"),
    "admin_charge_withdraw": _l("Withdrew a charge"),
    "admin_staff_import": _l("Imported a staff list"),
    "admin_training": _l("Recorded a training session"),
    "admin_office_create": _l("Created an office"),
    "admin_office_edit": _l("Edited an office"),
    "admin_office_close": _l("Closed an office"),
    "admin_district_edit": _l("Edited the district"),
    "admin_dak_desk": _l("Named the dak desk"),
    "admin_mailbox": _l("Set the office mailbox"),
    "mail_take": _l("Took an email from the office mailbox"),
    "mail_diarise": _l("Diarised an email"),
    "mail_discard": _l("Discarded an email"),
    "downtime_record": _l("Recorded a downtime (days without the server)"),
    "paper_register": _l("Registered a file's paper volume"),
    "paper_receive": _l("Received a file's paper volume"),
    "legacy_upload": _l("Uploaded old paper files (scans) to import"),
    "legacy_confirm": _l("Confirmed an import of old paper files"),
    "legacy_import_file": _l("Brought in an old paper file as scans"),
    "admin_section_create": _l("Added a section"),
    "admin_section_edit": _l("Corrected a section"),
    "admin_section_retire": _l("Put a section out of use"),
    "admin_section_restore": _l("Brought a section back into use"),
    "admin_post_create": _l("Added a post"),
    "admin_post_abolish": _l("Abolished a post"),
    "admin_head_create": _l("Added a subject head"),
    "admin_head_edit": _l("Corrected a subject head"),
    "admin_head_retire": _l("Put a subject head out of use"),
    "admin_head_restore": _l("Brought a subject head back into use"),
    "admin_category_create": _l("Added a category"),
    "admin_category_edit": _l("Corrected a category"),
    "admin_category_retire": _l("Put a category out of use"),
    "admin_category_restore": _l("Brought a category back into use"),
    "admin_time_limit": _l("Changed time limits"),
    "admin_route_set": _l("Set a route"),
    "admin_route_remove": _l("Removed a route"),
    "admin_template_create": _l("Added a standard letter"),
    "admin_template_edit": _l("Edited a standard letter"),
    "admin_template_remove": _l("Removed a standard letter"),
    "admin_holiday_add": _l("Added a holiday"),
    "admin_holiday_edit": _l("Edited a holiday"),
    "admin_holiday_remove": _l("Removed a holiday"),
}

#: actions said as a whole sentence (the rest: "who — action — what")
SENTENCES: dict[str, Any] = {
    "send": _l("%(who)s sent %(what)s to %(to)s."),
    "pull_back": _l("%(who)s pulled back %(what)s."),
    "open": _l("%(who)s opened %(what)s."),
    "view": _l("%(who)s looked at %(what)s."),
    "open_file": _l("%(who)s opened %(what)s."),
    "diarise": _l("%(who)s diarised %(what)s."),
    "finalise_note": _l("%(who)s wrote a note on %(what)s."),
    "approve_letter": _l("%(who)s approved a draft letter on %(what)s."),
    "sign_letter": _l("%(who)s signed a letter on %(what)s."),
    "sign_note": _l("%(who)s signed a note on %(what)s."),
    "close_file": _l("%(who)s closed %(what)s."),
    "reopen_file": _l("%(who)s reopened %(what)s."),
    "park_file": _l("%(who)s parked %(what)s."),
    "resume_file": _l("%(who)s resumed %(what)s."),
    "record_file": _l("%(who)s recorded %(what)s."),
    "weed_file": _l("%(who)s approved weeding %(what)s; its content was destroyed."),
    "login": _l("%(who)s logged in."),
    "logout": _l("%(who)s logged out."),
    "admin_user_disable": _l("%(who)s deactivated %(what)s."),
    "admin_user_enable": _l("%(who)s activated %(what)s."),
    "transfer": _l("%(who)s transferred %(what)s to %(post)s."),
    "join": _l("%(who)s gave %(what)s the charge of %(post)s."),
}

#: the names of the kinds of thing an event is about
TYPES: dict[str, Any] = {
    "file": _l("file"),
    "receipt": _l("receipt"),
    "mail": _l("email"),
    "user": _l("user"),
    "post": _l("post"),
    "office": _l("office"),
    "section": _l("section"),
    "subject_head": _l("subject head"),
    "category": _l("category"),
    "district": _l("district"),
    "dispatch": _l("issued letter"),
    "task": _l("task"),
    "delegation": _l("delegation"),
    "training": _l("training session"),
    "holiday": _l("holiday"),
    "route": _l("route"),
    "letter_template": _l("standard letter"),
    "staff_import": _l("staff list"),
    "credential": _l("signing certificate"),
}

#: the details shown, in words, in this order (others stay in the CSV's technical column)
KEYS: dict[str, Any] = {
    "to_post_id": _l("to"),
    "copies": _l("copies to"),
    "post_id_held": _l("post"),
    "ended_post_ids": _l("posts ended"),
    "relieved_id": _l("relieved"),
    "joined_id": _l("joined"),
    "delegate_id": _l("acting"),
    "starts_on": _l("from"),
    "ends_on": _l("until"),
    "on": _l("on"),
    "held_on": _l("held on"),
    "office_id": _l("office"),
    "from_office_id": _l("from office"),
    "to_office_id": _l("to office"),
    "additional": _l("additional charge"),
    "reason": _l("reason"),
    "remarks": _l("remarks"),
    "role": _l("role"),
    "login_id": _l("login ID"),
    "code": _l("code"),
    "name": _l("name"),
    "abbreviation": _l("abbreviation"),
    "number": _l("number"),
    "diary_number": _l("diary number"),
    "days": _l("working days"),
    "attended": _l("attended"),
    "new": _l("new users"),
    "update": _l("updated"),
    "error": _l("rows with errors"),
    "changed": _l("fields changed"),
    "before": _l("before"),
    "after": _l("after"),
    "signatures_valid": _l("signatures valid"),
    "recipients": _l("recipients"),
}

#: field names a change lists ("changed", "before", "after")
FIELDS: dict[str, Any] = {
    "name_hi": _l("name in Hindi"),
    "name_en": _l("name in English"),
    "code": _l("code"),
    "section_id": _l("section"),
    "mobile": _l("mobile"),
    "email": _l("email"),
    "employee_id": _l("employee ID"),
    "role": _l("role"),
}

_POSTS = re.compile(r"(^|_)post_ids?(_held)?$|^copies$|^to_post_id$")
_USERS = re.compile(r"^(relieved|joined|delegate|by)_id$")
_OFFICES = re.compile(r"^(from_|to_)?office_id$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Names:
    """Names for the ids a page of events mentions, loaded in one query per kind."""

    users: dict[int, str] = field(default_factory=dict)
    posts: dict[int, str] = field(default_factory=dict)
    offices: dict[int, str] = field(default_factory=dict)
    objects: dict[tuple[str, int], str] = field(default_factory=dict)


def _ints(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, int) and not isinstance(v, bool)]


def names_for(events: list[AuditEvent], s=None) -> Names:
    """Every person, post, office and object the events name, by kind in a query each."""
    from eoffice.admin.models import StaffImport, TrainingSession
    from eoffice.files.models import File, SubjectHead
    from eoffice.receipts.models import Receipt, ReceiptCategory

    s = s or db.session
    users, posts, offices = set(), set(), set()
    objects: dict[str, set[int]] = {}
    for e in events:
        if e.actor_user_id:
            users.add(e.actor_user_id)
        if e.actor_post_id:
            posts.add(e.actor_post_id)
        if e.object_type and e.object_id:
            objects.setdefault(e.object_type, set()).add(e.object_id)
        for key, value in (e.data or {}).items():
            if _POSTS.search(key):
                posts.update(_ints(value))
            elif _USERS.match(key):
                users.update(_ints(value))
            elif _OFFICES.match(key):
                offices.update(_ints(value))
    users |= objects.get("user", set())
    posts |= objects.get("post", set())
    offices |= objects.get("office", set())
    out = Names()
    if users:
        out.users = {u.id: f"{u.name} ({u.login_id})"
                     for u in s.scalars(select(User).where(User.id.in_(users)))}  # fmt: skip
    if posts:
        out.posts = {p.id: p.designation for p in s.scalars(select(Post).where(Post.id.in_(posts)))}
    if offices:
        out.offices = {o.id: o.name
                       for o in s.scalars(select(Office).where(Office.id.in_(offices)))}  # fmt: skip
    for kind, model, label in (
        ("file", File, lambda f: f.number),
        ("receipt", Receipt, lambda r: r.diary_number),
        ("section", Section, lambda x: x.name),
        ("subject_head", SubjectHead, lambda x: x.name),
        ("category", ReceiptCategory, lambda x: x.name),
        ("staff_import", StaffImport, lambda x: x.filename),
        ("training", TrainingSession, lambda x: x.topic),
    ):
        if objects.get(kind):
            for row in s.scalars(select(model).where(model.id.in_(objects[kind]))):
                out.objects[(kind, row.id)] = label(row)
    return out


def _what(e: AuditEvent, names: Names) -> str:
    """The thing the event is about: "पत्रावली कले/राज/…", "उपयोगकर्ता राम (ram)"."""
    if not e.object_type:
        return ""
    kind = str(TYPES.get(e.object_type, _("item")))
    if e.object_type == "user":
        name = names.users.get(e.object_id)
    elif e.object_type == "post":
        name = names.posts.get(e.object_id)
    elif e.object_type == "office":
        name = names.offices.get(e.object_id)
    else:
        name = names.objects.get((e.object_type, e.object_id))
    return f"{kind} {name}" if name else kind


def _value(key: str, value: Any, names: Names) -> str:
    if _POSTS.search(key):
        return ", ".join(names.posts.get(i, "—") for i in _ints(value)) or "—"
    if _USERS.match(key):
        return ", ".join(names.users.get(i, "—") for i in _ints(value)) or "—"
    if _OFFICES.match(key):
        return ", ".join(names.offices.get(i, "—") for i in _ints(value)) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and _ISO_DAY.match(value):
        return date.fromisoformat(value).strftime("%d-%m-%Y")
    if key == "changed" and isinstance(value, list):
        return ", ".join(str(FIELDS.get(v, v)) for v in value)
    if key in ("before", "after") and isinstance(value, dict):
        return "; ".join(f"{FIELDS.get(k, k)}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return str(len(value))
    if isinstance(value, dict):
        return ""
    return str(value)


#: actions whose post column names the post acted on, not the post the actor acted as
POST_IS_THE_OBJECT = {"transfer", "join", "relieve", "delegate", "revoke_delegation"}


def sentence(e: AuditEvent, names: Names) -> str:
    """The event as one sentence in the page's language."""
    who = names.users.get(e.actor_user_id) if e.actor_user_id else None
    who = who or _("The system")
    post = names.posts.get(e.actor_post_id, "—") if e.actor_post_id else "—"
    if e.actor_post_id and e.action not in POST_IS_THE_OBJECT and post != "—":
        who = f"{who}, {post}"
    what = _what(e, names) or "—"
    template = SENTENCES.get(e.action)
    if template is not None:
        to = names.posts.get((e.data or {}).get("to_post_id"), "—")
        return str(template) % {"who": who, "what": what, "to": to, "post": post}
    action = ACTIONS.get(e.action, e.action.replace("_", " "))
    if not e.object_type:
        return _("%(who)s: %(action)s.", who=who, action=action)
    return _("%(who)s: %(action)s — %(what)s.", who=who, action=action, what=what)


def details(e: AuditEvent, names: Names) -> list[tuple[str, str]]:
    """(what, value) for the details a reader needs, in words; ids become names."""
    data = e.data or {}
    out = []
    for key, label in KEYS.items():
        if key in data and data[key] not in (None, "", [], {}):
            text = _value(key, data[key], names)
            if text:
                out.append((str(label), text))
    return out
