"""Issuing a signed letter: a dispatch number per office and year, recipients, the register;
and the public verification lookups. Services flush and never commit."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from eoffice.dispatch.models import MODES, Dispatch, DispatchRecipient, VerifyAttempt
from eoffice.files.models import File, LetterDraft
from eoffice.files.services import holding_charge
from eoffice.org.models import Office, Post
from eoffice.platform import audit, events, jobs, mail, storage
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, count_within, lock_row
from eoffice.platform.text import email_address
from eoffice.policy import Actor
from eoffice.receipts.models import Receipt
from eoffice.signing import services as signing

#: lookups per client address in the window, on the public page
VERIFY_LIMIT = 20
VERIFY_WINDOW = timedelta(minutes=10)


@dataclass
class RecipientInput:
    name: str
    address: str
    email: str
    #: e-dispatch: the office of this installation it goes to
    office_id: int | None = None


log = logging.getLogger(__name__)


def of_draft(draft: LetterDraft) -> Dispatch | None:
    return db.session.scalar(select(Dispatch).where(Dispatch.draft_id == draft.id))


def issue(
    actor: Actor, draft: LetterDraft, mode: str, recipients: list[RecipientInput]
) -> Dispatch:
    f = lock_row(draft.file)
    charge = holding_charge(actor, f)
    draft = lock_row(draft)
    existing = of_draft(draft)
    if existing is not None:
        raise Refused("already_issued")
    if draft.status != "approved":
        raise Refused("not_approved")
    if mode not in MODES:
        raise Refused("bad_mode")
    if not signing.signatures(draft):
        raise Refused("not_signed")
    pdf = storage.read(draft.pdf_sha256)
    try:
        valid = signing.verdict(signing.validate(pdf))
    except signing.CannotCheck as e:
        raise Refused("cannot_check") from e
    if not valid:
        raise Refused("not_valid")
    if mode == "eoffice":
        people = _eoffice_recipients(recipients, f.office_id)
    else:
        people = [r for r in recipients if r.name or r.address or r.email]
    if not people:
        raise Refused("no_recipient")
    for r in people if mode != "eoffice" else []:
        if not r.name:
            raise Refused("recipient_name")
        if r.email:
            checked = email_address(r.email)
            if checked is None:
                raise Refused("bad_email")
            r.email = checked
        if mode == "email" and not r.email:
            raise Refused("email_needed")
        if mode == "post" and not r.address:
            raise Refused("address_needed")
    if mode == "email" and not mail.enabled():
        raise Refused("no_smtp")
    if draft.dispatch_number is None:  # rendered before numbers were reserved (revision 0012)
        reserve_number(draft)
    version = next(v for v in draft.versions if v.number == draft.approved_version)
    d = Dispatch(
        office_id=f.office_id,
        year=draft.dispatch_year,
        serial=draft.dispatch_serial,
        number=draft.dispatch_number,
        draft_id=draft.id,
        file_id=f.id,
        subject=version.subject or f.subject,
        mode=mode,
        pdf_sha256=draft.pdf_sha256,
        issued_by_id=actor.id,
        post_id=charge.post.id,
    )
    db.session.add(d)
    db.session.flush()
    for r in people:
        db.session.add(
            DispatchRecipient(
                dispatch_id=d.id,
                name=r.name[:300],
                address=r.address[:2000],
                email=r.email or None,
                status="pending" if mode == "email" else "posted",
                sent_at=None if mode == "email" else datetime.now(UTC),
                office_id=r.office_id,
            )
        )
    db.session.flush()
    if mode == "eoffice":
        for recipient in d.recipients:
            deliver(actor, d, recipient, pdf, valid)
    if mode == "email":
        jobs.enqueue("send_dispatch", "mail", dispatch_id=d.id)
    for c in f.correspondence:  # the citizens whose letters are in the file hear of the reply
        if c.receipt is not None:
            events.reply_issued.send(c.receipt, dispatch=d)
    audit.record_on(
        actor,
        f,
        "dispatch",
        charge.post.id,
        draft_id=draft.id,
        dispatch_id=d.id,
        number=d.number,
        mode=mode,
        pdf_sha256=d.pdf_sha256,
    )
    return d


# --- e-dispatch: into the dak of another office of this installation ------------------------


def eoffice_targets(office_id: int) -> list[Office]:
    """Offices a letter of `office_id` may be e-dispatched to: the open offices of its
    district, itself excepted."""
    office = db.session.get(Office, office_id)
    return list(
        db.session.scalars(
            select(Office)
            .where(
                Office.district_id == office.district_id,
                Office.id != office_id,
                Office.closed_at.is_(None),
            )
            .order_by(Office.id)
        )
    )


def _eoffice_recipients(rows: list[RecipientInput], office_id: int) -> list[RecipientInput]:
    targets = {o.id: o for o in eoffice_targets(office_id)}
    chosen = [r for r in rows if r.office_id or r.name or r.address or r.email]
    out, seen = [], set()
    for r in chosen:
        if r.office_id not in targets:
            raise Refused("office_needed")
        if r.office_id in seen:
            continue
        seen.add(r.office_id)
        office = targets[r.office_id]
        out.append(RecipientInput(r.name or office.name, r.address, "", office.id))
    return out


def dak_desk(office: Office) -> Post:
    """Where e-dak lands in an office: the post that diarised most of its letters in the last
    90 days (the dak desk), else the head of office (the lowest rank without a section)."""
    since = datetime.now(UTC) - timedelta(days=90)
    busiest = db.session.scalar(
        select(Receipt.created_post_id)
        .join(Post, Post.id == Receipt.created_post_id)
        .where(Receipt.office_id == office.id, Receipt.created_at >= since, Post.is_active)
        .group_by(Receipt.created_post_id)
        .order_by(func.count().desc(), Receipt.created_post_id)
        .limit(1)
    )
    if busiest is not None:
        return db.session.get(Post, busiest)
    return db.session.scalar(
        select(Post)
        .where(Post.office_id == office.id, Post.is_active)
        .order_by(Post.section_id.is_not(None), Post.rank, Post.id)
        .limit(1)
    )


def deliver(
    actor: Actor, d: Dispatch, recipient: DispatchRecipient, pdf: bytes, valid: bool
) -> Receipt:
    """The issued letter arrives in the recipient office's dak as a receipt: the signed PDF
    (sanitised for viewing, the signed original kept), numbered in that office's diary, the
    sender office, letter number and date filled in, mode ई-ऑफिस; its signatures as checked."""
    from eoffice.documents.sanitise import Rejected
    from eoffice.documents.services import accept_upload
    from eoffice.receipts.services import next_diary_serial

    office = db.session.get(Office, recipient.office_id)
    desk = dak_desk(office)
    try:
        document = accept_upload(actor, [pdf], f"{d.number.replace('/', '-')}.pdf")
    except Rejected as e:  # the checking places are all taken: nothing issued, try again
        if e.code != "busy":
            log.error("e-dispatch %s: the signed PDF was refused by the checker: %s", d.id, e.code)
        raise Refused("busy" if e.code == "busy" else "undeliverable") from e
    year = today().year
    serial = next_diary_serial(office.id, year)
    receipt = Receipt(
        office_id=office.id,
        diary_year=year,
        diary_serial=serial,
        diary_number=f"{office.code}/{year}/{serial:06d}",
        idempotency_key=str(uuid.uuid4()),
        sender_name=d.post.designation_hi,
        sender_designation=None,
        sender_organisation=d.office.name_hi,
        letter_number=d.number,
        letter_date=today(),
        received_on=today(),
        mode="eoffice",
        language="hi",
        subject=d.subject,
        grading=d.file.grading,
        priority="normal",
        document=document,
        ocr_status="none",
        created_by_id=actor.id,
        created_post_id=desk.id,
        holder_post_id=desk.id,
        from_dispatch_id=d.id,
        signatures_valid=valid,
    )
    db.session.add(receipt)
    db.session.flush()
    recipient.receipt_id = receipt.id
    recipient.status = "delivered"
    recipient.sent_at = datetime.now(UTC)
    audit.record(
        "e_dispatch_received",
        user_id=actor.id,
        post_id=desk.id,
        object_type="receipt",
        object_id=receipt.id,
        dispatch_id=d.id,
        number=d.number,
        signatures_valid=valid,
    )
    return receipt


def mark_e_dak_opened(actor: Actor, receipt: Receipt) -> None:
    """The receiving office first opened an e-dispatched letter: the sender's register shows it."""
    if receipt.from_dispatch_id is None or receipt.office_id != actor.office_id:
        return
    db.session.execute(
        update(DispatchRecipient)
        .where(DispatchRecipient.receipt_id == receipt.id, DispatchRecipient.opened_at.is_(None))
        .values(opened_at=datetime.now(UTC))
    )


def reserve_number(draft: LetterDraft) -> str:
    """Give the approved letter the office's next dispatch number (प्रेषण संख्या) for this year,
    gap-free, once. Called when the letter is first rendered for signing, so that the signed
    copy carries the number; issuing takes it. A number reserved for a letter that is never
    issued stays in the register as reserved, not lost."""
    if draft.dispatch_number is not None:
        return draft.dispatch_number
    office = draft.file.office
    year = today().year
    advisory_lock(f"dispatch:{office.id}:{year}")
    last = db.session.scalar(
        select(func.max(LetterDraft.dispatch_serial))
        .join(File, File.id == LetterDraft.file_id)
        .where(File.office_id == office.id, LetterDraft.dispatch_year == year)
    )
    # letters issued before numbers were reserved are in the dispatch table alone
    issued = db.session.scalar(
        select(func.max(Dispatch.serial)).where(
            Dispatch.office_id == office.id, Dispatch.year == year
        )
    )
    serial = max(last or 0, issued or 0) + 1
    draft.dispatch_year = year
    draft.dispatch_serial = serial
    draft.dispatch_number = f"{office.code}/{office.dispatch_prefix}/{year}/{serial:06d}"
    db.session.flush()
    return draft.dispatch_number


def reserved(office_id: int) -> list[LetterDraft]:
    """Letters holding a dispatch number that are not issued yet (signed or being signed)."""
    return list(
        db.session.scalars(
            select(LetterDraft)
            .join(File, File.id == LetterDraft.file_id)
            .outerjoin(Dispatch, Dispatch.draft_id == LetterDraft.id)
            .where(
                File.office_id == office_id,
                LetterDraft.dispatch_number.is_not(None),
                Dispatch.id.is_(None),
            )
            .order_by(LetterDraft.dispatch_year, LetterDraft.dispatch_serial)
            .options(contains_eager(LetterDraft.file))
            .limit(200)
        )
    )


def register(office_id: int, *, page: int = 1, page_size: int = 25):
    """A page of the office's dispatch register, each row's letter, file and recipients loaded
    with it (the page ran three queries a row)."""
    q = select(Dispatch).where(Dispatch.office_id == office_id)
    total = db.session.scalar(select(func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.order_by(Dispatch.id.desc())
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
        .options(
            joinedload(Dispatch.draft), joinedload(Dispatch.file), selectinload(Dispatch.recipients)
        )
    )
    return list(rows), total


# --- public verification ---------------------------------------------------------------


def allow_lookup(address: str) -> bool:
    """Count this lookup; False when the address has used up its lookups for the window.
    Checked and counted in one statement, one request per address at a time."""
    db.session.execute(delete(VerifyAttempt).where(VerifyAttempt.at < func.now() - VERIFY_WINDOW))
    return count_within("verify_attempt", {"address": address}, {"address": VERIFY_LIMIT})


def by_code(code: str) -> Dispatch | None:
    """Only issued letters answer: an approved or signed but unissued draft does not."""
    code = code.strip().upper().replace(" ", "")
    if len(code) == 10:
        code = f"{code[:5]}-{code[5:]}"
    if not re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code):
        return None
    return db.session.scalar(
        select(Dispatch)
        .join(LetterDraft, LetterDraft.id == Dispatch.draft_id)
        .where(LetterDraft.verification_code == code)
    )
