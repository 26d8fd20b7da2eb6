"""Draft letters (प्रारूप / DFA): every save a version, a diff between any two, approval by an
authorised post. Services flush and never commit; signing and issue come later."""

from __future__ import annotations

import difflib
import re
import uuid
from datetime import UTC, datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select

from eoffice.files.models import File, LetterDraft, LetterTemplate, LetterVersion
from eoffice.files.services import holding_charge
from eoffice.platform import audit
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, lock_row
from eoffice.policy import Actor

MAX_LETTER = 50_000


def templates(office_id: int) -> list[LetterTemplate]:
    return list(
        db.session.scalars(
            select(LetterTemplate)
            .where(LetterTemplate.office_id == office_id)
            .order_by(LetterTemplate.id)
        )
    )


def drafts(f: File) -> list[LetterDraft]:
    return list(
        db.session.scalars(
            select(LetterDraft).where(LetterDraft.file_id == f.id).order_by(LetterDraft.serial)
        )
    )


def _check(addressee: str, subject: str, body: str, copy_to: str = "") -> None:
    if not body:
        raise Refused("empty")
    if (
        len(body) > MAX_LETTER
        or len(addressee) > 5000
        or len(subject) > 1000
        or len(copy_to) > 5000
    ):
        raise Refused("too_long")


def _version(
    actor: Actor,
    draft: LetterDraft,
    number: int,
    addressee: str,
    subject: str,
    body: str,
    copy_to: str,
    charge,
):
    v = LetterVersion(
        draft=draft,
        number=number,
        addressee=addressee,
        subject=subject,
        body=body,
        copy_to=copy_to,
        author_id=actor.id,
        post_id=charge.post.id,
        delegation_id=charge.delegation.id if charge.delegation else None,
    )
    db.session.add(v)
    return v


def lock_key(key: uuid.UUID) -> LetterDraft | None:
    advisory_lock(f"letter:{key}")
    return db.session.scalar(select(LetterDraft).where(LetterDraft.idempotency_key == key))


def create(
    actor: Actor,
    f: File,
    *,
    addressee: str,
    subject: str,
    body: str,
    copy_to: str = "",
    key: uuid.UUID | None = None,
) -> LetterDraft:
    """A new draft in the file (from a template's text or blank), version 1."""
    f = lock_row(f)
    charge = holding_charge(actor, f)
    _check(addressee, subject, body, copy_to)
    serial = db.session.scalar(
        select(func.coalesce(func.max(LetterDraft.serial), 0)).where(LetterDraft.file_id == f.id)
    )
    draft = LetterDraft(
        file_id=f.id, serial=serial + 1, created_by_id=actor.id, idempotency_key=key
    )
    db.session.add(draft)
    _version(actor, draft, 1, addressee, subject, body, copy_to, charge)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "create_letter",
        charge.post.id,
        draft_id=draft.id,
        serial=draft.serial,
    )
    return draft


def save(
    actor: Actor,
    draft: LetterDraft,
    *,
    addressee: str,
    subject: str,
    body: str,
    base: int | None,
    copy_to: str = "",
) -> LetterVersion | None:
    """A new version, if anything changed. `base` is the version the editor started from: if
    someone saved since, that is a conflict (shown, not overwritten). None when unchanged."""
    f = lock_row(draft.file)
    charge = holding_charge(actor, f)
    draft = lock_row(draft)
    if draft.status == "approved":
        raise Refused("approved")
    latest = draft.latest
    if (latest.addressee, latest.subject, latest.body, latest.copy_to) == (
        addressee,
        subject,
        body,
        copy_to,
    ):
        return None  # nothing new (or the same save twice): no empty version
    if base != draft.current_version:
        raise Refused("conflict")
    _check(addressee, subject, body, copy_to)
    draft.current_version += 1
    v = _version(actor, draft, draft.current_version, addressee, subject, body, copy_to, charge)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "save_letter",
        charge.post.id,
        draft_id=draft.id,
        version=v.number,
    )
    return v


def may_approve(actor: Actor, draft: LetterDraft) -> bool:

    charge = actor.charge_for(draft.file.holder_post_id)
    return (
        charge is not None
        and charge.post.may_approve
        and draft.status == "draft"
        and draft.file.status != "closed"
    )


def approve(actor: Actor, draft: LetterDraft, *, version: int | None) -> LetterDraft:
    """Approve the version the approver was looking at; a newer save in between is a conflict."""
    f = lock_row(draft.file)
    charge = holding_charge(actor, f)
    draft = lock_row(draft)
    if draft.status == "approved":
        raise Refused("approved")
    if not charge.post.may_approve:
        raise Refused("not_authorised")
    if version != draft.current_version:
        raise Refused("conflict")
    draft.status = "approved"
    draft.approved_version = draft.current_version
    draft.approved_by_id = actor.id
    draft.approved_post_id = charge.post.id
    draft.approved_at = datetime.now(UTC)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "approve_letter",
        charge.post.id,
        draft_id=draft.id,
        version=draft.approved_version,
        delegation_id=charge.delegation.id if charge.delegation else None,
    )
    return draft


def version(draft: LetterDraft, number: int) -> LetterVersion | None:
    return next((v for v in draft.versions if v.number == number), None)


_TOKEN = re.compile(r"\s+|[^\s]+")


def diff(old: str, new: str) -> Markup:
    """Word-by-word difference: removed words in <del>, added in <ins>, the rest as it was."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))
