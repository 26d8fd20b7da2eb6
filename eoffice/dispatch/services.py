"""Issuing a signed letter: a dispatch number per office and year, recipients, the register;
and the public verification lookups. Services flush and never commit."""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from eoffice.dispatch.models import MODES, Dispatch, DispatchRecipient, VerifyAttempt
from eoffice.documents.models import Document
from eoffice.files.models import File, LetterDraft
from eoffice.files.services import holding_charge
from eoffice.org.models import Office, Post
from eoffice.org.services import is_vacant
from eoffice.platform import audit, events, jobs, mail, storage
from eoffice.platform.clock import local_date, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, count_within, lock_row
from eoffice.platform.text import email_address
from eoffice.policy import Actor
from eoffice.receipts.models import Receipt
from eoffice.signing import ltv
from eoffice.signing import services as signing

#: lookups per client address in the window, on the public page
VERIFY_LIMIT = 20
VERIFY_WINDOW = timedelta(minutes=10)


@dataclass
class RecipientInput:
    name: str
    address: str
    email: str
    mode: str = "post"
    #: e-Office: the office of this installation it goes to, or the post it is addressed to
    office_id: int | None = None
    post_id: int | None = None
    #: a प्रतिलिपि, not the addressee
    is_copy: bool = False

    @property
    def blank(self) -> bool:
        return not (self.name or self.address or self.email or self.office_id or self.post_id)


log = logging.getLogger(__name__)


def of_draft(draft: LetterDraft) -> Dispatch | None:
    return db.session.scalar(select(Dispatch).where(Dispatch.draft_id == draft.id))


def issued(draft_ids: list[int]) -> dict[int, Dispatch]:
    """The issued ones of these letters, by draft id, each with its recipients' states."""
    if not draft_ids:
        return {}
    rows = db.session.scalars(
        select(Dispatch)
        .where(Dispatch.draft_id.in_(draft_ids))
        .options(selectinload(Dispatch.recipients).joinedload(DispatchRecipient.receipt))
    )
    return {d.draft_id: d for d in rows}


def modes() -> tuple[str, ...]:
    """The modes that can work on this server: email only when a mail server is set up."""
    return tuple(m for m in MODES if m != "email" or mail.enabled())


def issue(actor: Actor, draft: LetterDraft, recipients: list[RecipientInput]) -> Dispatch:
    """Issue the signed letter under its dispatch number to every recipient on it, each by
    its own mode. The same signed PDF goes to all."""
    f = lock_row(draft.file)
    charge = holding_charge(actor, f)
    draft = lock_row(draft)
    existing = of_draft(draft)
    if existing is not None:
        raise Refused("already_issued")
    if draft.status != "approved":
        raise Refused("not_approved")
    if not signing.signatures(draft):
        raise Refused("not_signed")
    people = _checked(recipients, f.office_id)
    pdf, valid = _valid_pdf(draft.pdf_sha256)
    sha = draft.pdf_sha256
    archive_until = None
    if ltv.enabled():  # B-LTA: every signature's revocation data and a document timestamp
        pdf = ltv.archive(pdf)
        sha, _new = storage.put(pdf)
        archive_until = ltv.archive_until(pdf)
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
        pdf_sha256=sha,
        archive_until=archive_until,
        issued_by_id=actor.id,
        post_id=charge.post.id,
    )
    db.session.add(d)
    db.session.flush()
    added = _send_to(actor, d, people, pdf, valid)
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
        modes=sorted({r.mode for r in added}),
        recipients=[r.id for r in added],
        pdf_sha256=d.pdf_sha256,
    )
    return d


def adding_charge(actor: Actor, d: Dispatch):
    """The charge under which the actor may add a recipient to an issued letter or retry a
    failed one: the issuing post's, or the file's holder's (the file may have moved on);
    None: they may not."""
    return actor.charge_for(d.post_id) or actor.charge_for(d.file.holder_post_id)


def add_recipients(actor: Actor, d: Dispatch, recipients: list[RecipientInput]) -> list:
    """A recipient forgotten at issue (a copy): the same signed letter, the same number."""
    d = lock_row(d)
    charge = adding_charge(actor, d)
    if charge is None:
        raise Refused("not_holder")
    people = _checked([dataclasses.replace(r, is_copy=True) for r in recipients], d.office_id)
    sent = {_same(r) for r in d.recipients}
    for n, r in enumerate(people, start=1):
        if _same(r) in sent:  # the same form twice (a slow link), or a copy it already has
            raise Refused("already_sent", row=n, name=r.name)
    pdf, valid = _valid_pdf(d.pdf_sha256)
    added = _send_to(actor, d, people, pdf, valid)
    audit.record_on(
        actor, d.file, "dispatch_added", charge.post.id, dispatch_id=d.id, number=d.number,
        recipients=[r.id for r in added],
    )  # fmt: skip
    return added


def _same(r: RecipientInput | DispatchRecipient) -> tuple:
    """What makes two recipients the same one: the desk for e-Office, else name and address."""
    if r.mode == "eoffice":
        return ("eoffice", r.office_id, r.post_id)
    return (r.mode, r.name.casefold(), (r.email or "").casefold(), r.address.strip())


def retry(actor: Actor, d: Dispatch, recipient_id: int) -> DispatchRecipient:
    """Send a failed email again (the worker also retries on its own a few times)."""
    d = lock_row(d)
    charge = adding_charge(actor, d)
    if charge is None:
        raise Refused("not_holder")
    r = next((r for r in d.recipients if r.id == recipient_id), None)
    if r is None or r.status != "failed":
        raise Refused("not_failed")
    if not mail.enabled():
        raise Refused("no_email")
    r.status = "queued"
    db.session.flush()
    jobs.enqueue("send_dispatch", "mail", dispatch_id=d.id)
    audit.record_on(
        actor, d.file, "dispatch_retry", charge.post.id, dispatch_id=d.id, recipient_id=r.id
    )
    return r


def _valid_pdf(sha: str) -> tuple[bytes, bool]:
    pdf = storage.read(sha)
    try:
        valid = signing.verdict(signing.validate(pdf))
    except signing.CannotCheck as e:
        raise Refused("cannot_check") from e
    if not valid:
        raise Refused("not_valid")
    return pdf, valid


def _checked(rows: list[RecipientInput], office_id: int) -> list[RecipientInput]:
    """The filled rows, each complete for its mode (a refusal names the row); e-Office rows
    resolved to an office of the district and the post they go to."""
    offices = {o.id: o for o in eoffice_targets(office_id)}
    out: list[RecipientInput] = []
    desks: set[int] = set()
    for n, r in enumerate(rows, start=1):
        if r.blank:
            continue
        if r.mode not in MODES:
            raise Refused("bad_mode", row=n)
        if r.mode == "email" and not mail.enabled():
            raise Refused("no_email", row=n)
        if r.email:
            checked = email_address(r.email)
            if checked is None:
                raise Refused("bad_email", row=n)
            r.email = checked
        if r.mode == "eoffice":
            desk = _desk(r, offices, n)
            if desk.id in desks:  # the same desk twice: one delivery
                continue
            desks.add(desk.id)
            office = offices[desk.office_id]
            r.office_id = office.id
            r.name = r.name or (
                f"{desk.designation_hi}, {office.name_hi}" if r.post_id else office.name_hi
            )
        elif not r.name:
            raise Refused("recipient_name", row=n)
        if r.mode == "email" and not r.email:
            raise Refused("email_needed", row=n)
        if r.mode == "post" and not r.address:
            raise Refused("address_needed", row=n)
        out.append(r)
    if not out:
        raise Refused("no_recipient")
    return out


def _desk(r: RecipientInput, offices: dict[int, Office], n: int) -> Post:
    """Where an e-Office recipient's letter lands: the post it is addressed to, else the
    office's dak desk (set by the office admin: never guessed)."""
    if r.post_id:
        post = db.session.get(Post, r.post_id)
        if post is None or post.office_id not in offices or not post.is_active:
            raise Refused("office_needed", row=n)
        if is_vacant(post):
            raise Refused("post_vacant", row=n, post=post.designation)
        return post
    office = offices.get(r.office_id)
    if office is None:
        raise Refused("office_needed", row=n)
    desk = office.dak_post
    if desk is None or not desk.is_active:
        raise Refused("no_dak_desk", row=n, office=office.name)
    return desk


def _send_to(
    actor: Actor, d: Dispatch, people: list[RecipientInput], pdf: bytes, valid: bool
) -> list[DispatchRecipient]:
    """Record each recipient and send: e-Office now (into the other office's dak), post and
    by hand as handed over, email through the worker."""
    moment = datetime.now(UTC)
    rows = []
    for r in people:
        row = DispatchRecipient(
            dispatch_id=d.id,
            mode=r.mode,
            is_copy=r.is_copy,
            name=r.name[:300],
            address=r.address[:2000],
            email=r.email or None,
            status="queued" if r.mode == "email" else "sent",
            sent_at=moment if r.mode in ("post", "hand") else None,
            office_id=r.office_id if r.mode == "eoffice" else None,
            post_id=r.post_id if r.mode == "eoffice" else None,
            added_by_id=actor.id,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    checked = None  # the PDF is checked for viewing once, however many offices it goes to
    for row in rows:
        if row.mode == "eoffice":
            checked = deliver(actor, d, row, pdf, valid, checked).document
    if any(row.mode == "email" for row in rows):
        jobs.enqueue("send_dispatch", "mail", dispatch_id=d.id)
    return rows


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
            .options(joinedload(Office.dak_post))
        )
    )


def eoffice_posts(offices: list[Office]) -> dict[int, list[Post]]:
    """The active posts of those offices, by office: where a letter can be addressed."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.office_id.in_([o.id for o in offices] or [0]), Post.is_active)
        .order_by(Post.office_id, Post.rank, Post.id)
    )
    out: dict[int, list[Post]] = {}
    for p in posts:
        out.setdefault(p.office_id, []).append(p)
    return out


def deliver(
    actor: Actor,
    d: Dispatch,
    recipient: DispatchRecipient,
    pdf: bytes,
    valid: bool,
    checked: Document | None = None,
) -> Receipt:
    """The issued letter arrives in the recipient office's dak as a receipt, at the addressed
    post or the office's dak desk: the signed PDF (sanitised for viewing, the signed original
    kept), numbered in that office's diary, the sender office and post, letter number and date
    filled in, mode ई-ऑफिस; its signatures as checked. It is new (unread) until its holder
    opens it. `checked`: the document another office's copy of this PDF became, reused."""
    from eoffice.documents.sanitise import Rejected
    from eoffice.documents.services import accept_upload, same_document
    from eoffice.receipts.services import next_diary_serial

    office = db.session.get(Office, recipient.office_id)
    desk = db.session.get(Post, recipient.post_id) if recipient.post_id else office.dak_post
    try:
        document = (
            same_document(checked)
            if checked is not None
            else accept_upload(actor, [pdf], f"{d.number.replace('/', '-')}.pdf")
        )
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
        letter_date=local_date(d.issued_at) if d.issued_at else today(),
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
            joinedload(Dispatch.draft),
            joinedload(Dispatch.file),
            selectinload(Dispatch.recipients).joinedload(DispatchRecipient.receipt),
            selectinload(Dispatch.recipients).joinedload(DispatchRecipient.post),
        )
    )
    return list(rows), total


# --- long-term validity ------------------------------------------------------------------


def due_for_renewal(within: timedelta) -> list[int]:
    """Issued letters whose newest archive timestamp's certificate lapses within `within`."""
    return list(
        db.session.scalars(
            select(Dispatch.id)
            .where(Dispatch.archive_until < datetime.now(UTC) + within)
            .order_by(Dispatch.archive_until)
        )
    )


def renew_archive(d: Dispatch) -> str:
    """A new document timestamp over the issued letter (a new revision: the copy its
    recipients got stays a prefix of it). Returns the new file's hash."""
    d = lock_row(d)
    pdf = ltv.renew(storage.read(d.pdf_sha256))
    sha, _new = storage.put(pdf)
    audit.record(
        "ltv_renewed", object_type="dispatch", object_id=d.id, number=d.number,
        before=d.pdf_sha256, after=sha,
    )  # fmt: skip
    d.pdf_sha256 = sha
    d.archive_until = ltv.archive_until(pdf)
    db.session.flush()
    return sha


def is_this_letter(data: bytes, d: Dispatch) -> bool:
    """The PDF is the issued letter as kept, or an earlier revision of it (the copy sent before
    an archive timestamp was renewed): every revision after it only adds long-term data."""
    kept = storage.read(d.pdf_sha256)
    return data == kept or (len(data) > 1000 and kept.startswith(data))


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
