"""The office mailbox: its settings, taking its new messages as draft receipts, preparing each
(its printed page, its attachments through the upload sanitiser, OCR), and the dak clerk's
decision. Services flush; the view, the job or the command commits.

Taking is one transaction per message, and the message is marked seen (or moved) on the server
only after that transaction committed: a worker killed in between leaves it unseen, and the next
check finds its Message-ID already taken and only marks it. Nothing is taken twice, nothing
is lost."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eoffice.documents.messages import REJECTED
from eoffice.documents.sanitise import Rejected, kind_of, run_sanitiser
from eoffice.documents.services import accept_in_worker, put_new, stored_files_follow_the_commit
from eoffice.mailroom import imap, mime
from eoffice.mailroom.models import MailAttachment, Mailbox, MailDraft
from eoffice.org.models import Office
from eoffice.platform import audit, jobs, storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.platform.pdftext import write_pdf
from eoffice.platform.sealed import Sealer, Unreadable
from eoffice.platform.text import clean_line
from eoffice.policy import Actor

PASSWORDS = Sealer(b"eoffice mailbox passwords")

#: Why a check of the mailbox failed, as the admin and the dak clerk read it.
PROBLEMS = {
    "connect": _l("The mail server could not be reached (or stopped answering)."),
    "certificate": _l("The mail server's certificate could not be verified."),
    "login": _l("The mail server refused the user name or password."),
    "folder": _l("The mail server has no such folder."),
    "password": _l("The saved password cannot be read (the app's key changed): enter it again."),
}

#: Refusals of the mailbox settings and of the clerk's decisions.
REFUSED = {
    "host": _l("Enter the mail server's name, like imap.gov.in."),
    "port": _l("The port is a number from 1 to 65535 (usually 993)."),
    "security": _l("Choose how the connection is encrypted."),
    "username": _l("Enter the mailbox's user name."),
    "password": _l("Enter the mailbox's password."),
    "folder": _l("Enter a folder name (INBOX unless the mail server says otherwise)."),
    "no_dak_desk": _l("Name the office's dak desk first: the mail becomes its dak."),
    "not_dak_desk": _l("Only the dak desk of this office decides on its mail."),
    "decided": _l("This mail was already decided: %(state)s."),
    "not_ready": _l("This mail is still being prepared. Try again in a minute."),
    "reason": _l("Say why the mail is discarded (at least a few words)."),
}

#: What the dak clerk reads about a mail (mime.WARNINGS).
WARNING_WORDS = {
    "from_unchecked": _l("The sender is as the email says: an email's From line can be forged. Check before acting on it."),
    "from_disguised": _l("The sender's name shows another email address than the one it came from: likely forged."),
    "from_failed": _l("The receiving mail server's check of the sender failed (SPF/DKIM/DMARC): likely forged."),
    "from_many": _l("The email names no single sender."),
    "reply_elsewhere": _l("Replies would go to another domain than the sender's."),
    "html_only": _l("The email came only as a web page (HTML): shown here as text; nothing in it was run or fetched."),
    "broken_mime": _l("The email is damaged: it was read as far as possible. The email as it came can be downloaded."),
    "legacy_charset": _l("The text was in an old encoding (ISCII or a Windows code page) and was converted to Unicode."),
    "undecodable": _l("Part of the text could not be read: shown with � in its place."),
    "too_big": _l("The email was larger than the limit: only its sender, subject and date were taken. Ask the sender for smaller files."),
    "no_message_id": _l("The email had no Message-ID: it was taken once by its place in the mailbox."),
    "too_many_parts": _l("The email had more attachments than are taken: the rest were left out."),
    "body_cut": _l("The text was very long and was cut."),
}  # fmt: skip

#: Why an attachment is kept as it came rather than made a page.
KEPT_WORDS = {
    "not_a_page": _l("kept as it came (not a PDF or photo): download to open it"),
    "page": _l("in the PDF as pages"),
}

#: the largest message taken whole; a larger one gives a draft of its headers only
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
#: seconds one check spends taking messages (then it hands on to a fresh job)
CHECK_SECONDS = 8.0


# --- the mailbox's settings --------------------------------------------------------------


def mailbox_of(office: Office) -> Mailbox | None:
    return db.session.scalar(select(Mailbox).where(Mailbox.office_id == office.id))


def _aad(office: Office) -> bytes:
    return f"mailbox:{office.id}".encode()


def save_mailbox(actor: Actor, office: Office, form) -> Mailbox:
    """The admin's form: host, port, security, username, password (blank: keep the saved one),
    folder, move_to, enabled."""
    host = clean_line(form.get("host"))[:253].strip().lower()
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise Refused("host")
    port = form.get("port", "").strip()
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise Refused("port")
    security = form.get("security", "")
    if security not in ("ssl", "starttls"):
        raise Refused("security")
    username = clean_line(form.get("username"))[:254].strip()
    if not username:
        raise Refused("username")
    folder = clean_line(form.get("folder") or "INBOX")[:200].strip()
    move_to = clean_line(form.get("move_to"))[:200].strip() or None
    if not folder or move_to == folder:
        raise Refused("folder")
    enabled = form.get("enabled") == "y"
    if enabled and office.dak_post_id is None:
        raise Refused("no_dak_desk")
    password = (form.get("password") or "").replace("\0", "")[:500]
    mb = mailbox_of(office)
    if mb is None:
        if not password:
            raise Refused("password")
        mb = Mailbox(office_id=office.id, password_sealed=b"")
        db.session.add(mb)
    mb.host, mb.port, mb.security, mb.username = host, int(port), security, username
    mb.folder, mb.move_to, mb.enabled = folder, move_to, enabled
    if password:
        mb.password_sealed = PASSWORDS.seal(password.encode(), _aad(office))
    db.session.flush()
    audit.record(
        "admin_mailbox",
        user_id=actor.id,
        object_type="office",
        object_id=office.id,
        host=host,
        username=username,
        enabled=enabled,
        password_changed=bool(password),
    )
    return mb


def settings(mb: Mailbox) -> imap.Settings:
    try:
        password = PASSWORDS.unseal(mb.password_sealed, _aad(mb.office)).decode()
    except Unreadable:
        raise imap.MailboxError("password") from None
    return imap.Settings(
        host=mb.host,
        port=mb.port,
        security=mb.security,
        username=mb.username,
        password=password,
        folder=mb.folder,
        move_to=mb.move_to,
        ca_file=current_app.config.get("MAIL_CA_FILE"),
    )


def try_mailbox(mb: Mailbox, timeout: float = 5) -> int:
    """Connect, log in, open the folder: the number of unread messages waiting. Raises
    imap.MailboxError. From a page: a mail server that hangs is given up after `timeout`."""
    conn = imap.Connection(settings(mb), timeout=timeout)
    try:
        return len(conn.unseen())
    finally:
        conn.close()


# --- taking new messages ---------------------------------------------------------------


@dataclass
class Checked:
    taken: int = 0
    already: int = 0
    waiting: int = 0
    problem: str | None = None


def check_all(seconds: float = CHECK_SECONDS) -> dict[int, Checked]:
    """Every enabled mailbox, within `seconds` in all (commits: one transaction per message).
    A mailbox with more waiting is taken further by the next check, which the job defers at once."""
    deadline = time.monotonic() + seconds
    out = {}
    ids = db.session.scalars(select(Mailbox.id).where(Mailbox.enabled).order_by(Mailbox.id)).all()
    for mailbox_id in ids:
        if time.monotonic() > deadline:
            break
        out[mailbox_id] = check(db.session.get(Mailbox, mailbox_id), deadline)
    return out


def check(mb: Mailbox, deadline: float) -> Checked:
    result = Checked()
    office_id = mb.office_id
    try:
        conn = imap.Connection(settings(mb))
    except imap.MailboxError as e:
        _note(mb.id, e.code, e.detail, None)
        result.problem = e.code
        return result
    try:
        uids = conn.unseen()
        batch = uids[: imap.BATCH]
        headers = conn.sizes_and_ids(batch)
        for n, uid in enumerate(batch):
            if time.monotonic() > deadline:
                result.waiting = len(uids) - n
                break
            size, message_id = headers.get(uid, (0, None))
            key = message_id or f"<uid-{conn.uidvalidity}-{uid}@{mb.host}>"
            if _taken(office_id, key):
                result.already += 1  # taken before the worker was stopped: only mark it now
            else:
                try:
                    with stored_files_follow_the_commit():  # a rollback takes its file away too
                        take(conn, office_id, uid, size, key, named=message_id is not None)
                        db.session.commit()
                except IntegrityError:  # another worker took it a moment ago
                    db.session.rollback()
                    result.already += 1
                else:
                    result.taken += 1
            conn.done(uid)  # only now: the draft is committed
        else:
            result.waiting = len(uids) - len(batch)
    except imap.MailboxError as e:
        db.session.rollback()
        result.problem = e.code
        _note(mb.id, e.code, e.detail, result.waiting)
        return result
    finally:
        conn.close()
    _note(mb.id, None, None, result.waiting)
    return result


def _note(mailbox_id: int, problem: str | None, detail: str | None, waiting: int | None) -> None:
    mb = db.session.get(Mailbox, mailbox_id)
    mb.last_checked_at = datetime.now(UTC)
    mb.last_problem, mb.last_detail = problem, detail
    if waiting is not None:
        mb.waiting = waiting
    db.session.commit()


def _taken(office_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            select(MailDraft.id).where(
                MailDraft.office_id == office_id, MailDraft.message_id == key
            )
        )
        is not None
    )


def take(conn: imap.Connection, office_id: int, uid: int, size: int, key: str, *, named: bool):
    """One message as a draft (flushed): the message kept as it came (a file of this change:
    the caller commits inside stored_files_follow_the_commit), its preparation queued."""
    too_big = size > current_app.config.get("MAIL_MAX_BYTES", MAX_MESSAGE_BYTES)
    raw = conn.fetch(uid, headers_only=too_big)
    if not too_big and len(raw) > current_app.config.get("MAIL_MAX_BYTES", MAX_MESSAGE_BYTES):
        raw, too_big = conn.fetch(uid, headers_only=True), True  # the server's size was wrong
    draft = MailDraft(
        office_id=office_id,
        message_id=key[:998],
        size=size or len(raw),
        raw_sha256=put_new(raw),
        warnings=(["too_big"] if too_big else []) + ([] if named else ["no_message_id"]),
    )
    db.session.add(draft)
    db.session.flush()
    jobs.enqueue("mail_prepare", "ocr", draft_id=draft.id)
    audit.record(
        "mail_take", object_type="mail", object_id=draft.id, message_id=key[:200], size=size
    )
    return draft


# --- preparing a draft (the job worker) ------------------------------------------------

#: a draft still "preparing" (or its OCR "pending") this long after it was taken, with no job
#: waiting for it, lost its job with a killed worker: it is queued again
STUCK_MINUTES = 10


def requeue_stuck() -> int:
    """Queue again the preparation or OCR of drafts whose job died with its worker (a job left
    "doing" by a killed worker is never run again by the queue itself). The every-minute check
    calls it; a job that is in fact still running finds the draft done and leaves it."""
    stuck = db.session.scalars(
        select(MailDraft)
        .where(
            MailDraft.taken_at < func.now() - timedelta(minutes=STUCK_MINUTES),
            (MailDraft.status == "preparing")
            | ((MailDraft.status == "ready") & (MailDraft.ocr_status == "pending")),
        )
        .limit(100)
    ).all()
    n = 0
    for d in stuck:
        task = "mail_prepare" if d.status == "preparing" else "mail_ocr"
        if not jobs.waiting(task, ("todo",), draft_id=d.id):
            jobs.enqueue(task, "ocr", draft_id=d.id)
            n += 1
    return n


def prepare(draft: MailDraft) -> None:
    """Read the message kept as it came: sender, subject, date, body; attachments that are
    PDFs or photos through the upload sanitiser one by one, as pages after the mail's own
    printed page; anything else kept as it came; then OCR of those pages is queued."""
    raw = storage.read(draft.raw_sha256)
    mail = mime.headers_only(raw) if "too_big" in draft.warnings else mime.read(raw)
    draft.from_name, draft.from_address = mail.from_name, mail.from_address
    draft.subject, draft.sent_at, draft.body = mail.subject, mail.sent_at, mail.body
    draft.warnings = list(dict.fromkeys([*draft.warnings, *mail.warnings]))
    with stored_files_follow_the_commit():
        pages: list[bytes] = []
        for a in mail.attachments:
            clean = _attach(draft, a) if _is_page(a) else _keep(draft, a, "not_a_page")
            if clean is not None:
                pages.append(clean)
        printed = _printed(draft, list(draft.attachments))
        draft.document = accept_in_worker([_joined([printed, *pages])], "email.pdf")
        draft.ocr_status = "pending" if pages else "done"
        draft.ocr_text = None if pages else ""
        draft.status = "ready"
        db.session.flush()
        if pages:
            jobs.enqueue("mail_ocr", "ocr", draft_id=draft.id)


def _is_page(a: mime.Attachment) -> bool:
    return kind_of(a.data) in ("pdf", "jpeg", "png")


def _attach(draft: MailDraft, a: mime.Attachment) -> bytes | None:
    """A PDF or a photo: its clean PDF, to be pages of the draft; refused by the sanitiser,
    kept as it came (with the reason) and not a page."""
    cfg = current_app.config
    try:
        clean = run_sanitiser(
            [a.data], max_pages=cfg["UPLOAD_MAX_PAGES"], max_pixels=cfg["UPLOAD_MAX_PIXELS"]
        )
    except Rejected as r:
        _keep(draft, a, r.code)
        return None
    _stored(draft, a, "page", None)
    return clean.pdf


def _keep(draft: MailDraft, a: mime.Attachment, reason: str) -> None:
    """Kept as it came, to be downloaded: never opened, rendered or run here."""
    _stored(draft, a, "kept", reason)


def _stored(draft: MailDraft, a: mime.Attachment, state: str, reason: str | None) -> None:
    draft.attachments.append(
        MailAttachment(
            filename=a.filename,
            content_type=a.content_type,
            size=len(a.data),
            sha256=put_new(a.data),
            state=state,
            reason=reason,
        )  # fmt: skip
    )


def _joined(pdfs: list[bytes]) -> bytes:
    out = PdfWriter()
    limit = current_app.config["UPLOAD_MAX_PAGES"]
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:
            if len(out.pages) >= limit:
                break
            out.add_page(page)
    buf = io.BytesIO()
    out.write(buf)
    return buf.getvalue()


def _printed(draft: MailDraft, attachments: list[MailAttachment]) -> bytes:
    """The mail as the office would print it: from, to whom, when, subject, the text, and the
    list of what came with it. Hindi; made from our own template only (nothing fetched)."""
    with force_locale("hi"):
        html = render_template(
            "pdf/mail.html", draft=draft, attachments=attachments, warning_words=WARNING_WORDS,
            attachment_state=attachment_state,
        )  # fmt: skip
    return write_pdf(html, base_url=current_app.root_path)


def attachment_state(a: MailAttachment) -> str:
    if a.state == "page":
        return str(KEPT_WORDS["page"])
    if a.reason in KEPT_WORDS:
        return str(KEPT_WORDS[a.reason])
    why = REJECTED.get(a.reason or "")
    return str(_l("kept as it came, not a page: %(why)s", why=why or a.reason))


def read_pages(draft: MailDraft) -> None:
    """OCR of the attachments' pages (the printed page's text is the body already)."""
    from eoffice.receipts.jobs import ocr_pdf

    draft.ocr_text = ocr_pdf(storage.read(draft.document.sha256), skip=1)
    draft.ocr_status = "done"
    db.session.flush()


# --- the dak clerk's decision ------------------------------------------------------------


def desk_offices(actor: Actor) -> list[Office]:
    """The offices whose dak desk the user holds (their own post, an additional charge or a
    delegation): their mail is theirs to decide."""
    ids = actor.post_ids
    if not ids:
        return []
    return list(db.session.scalars(select(Office).where(Office.dak_post_id.in_(ids))))


def may_decide(actor: Actor, office: Office) -> bool:
    return office.dak_post_id is not None and actor.charge_for(office.dak_post_id) is not None


def drafts(office: Office, status: str = "open", limit: int = 200) -> list[MailDraft]:
    q = select(MailDraft).where(MailDraft.office_id == office.id)
    if status == "open":
        q = q.where(MailDraft.status.in_(("preparing", "ready")))
    else:
        q = q.where(MailDraft.status == status)
    return list(db.session.scalars(q.order_by(MailDraft.id.desc()).limit(limit)))


def count_open(office: Office) -> int:
    return db.session.scalar(
        select(func.count(MailDraft.id)).where(
            MailDraft.office_id == office.id, MailDraft.status.in_(("preparing", "ready"))
        )
    )


STATE_WORDS = {
    "preparing": _l("being prepared"),
    "ready": _l("waiting for the dak clerk"),
    "diarised": _l("diarised"),
    "discarded": _l("discarded"),
}


def _open(actor: Actor, draft: MailDraft) -> MailDraft:
    draft = lock_row(draft)
    if not may_decide(actor, draft.office):
        raise Refused("not_dak_desk")
    if draft.status in ("diarised", "discarded"):
        raise Refused("decided", state=str(STATE_WORDS[draft.status]))
    return draft


def ready_for_diary(actor: Actor, draft: MailDraft) -> MailDraft:
    draft = _open(actor, draft)
    if draft.status != "ready":
        raise Refused("not_ready")
    return draft


def diarised(actor: Actor, draft: MailDraft, receipt) -> None:
    """The receipt made from the draft (in the same transaction): the draft's PDF is now the
    receipt's, and the draft names it."""
    draft = ready_for_diary(actor, draft)
    draft.status = "diarised"
    draft.receipt_id = receipt.id
    draft.document_id = None
    draft.decided_by_id, draft.decided_at = actor.id, datetime.now(UTC)
    db.session.flush()
    audit.record(
        "mail_diarise", user_id=actor.id, object_type="mail", object_id=draft.id,
        receipt_id=receipt.id, diary_number=receipt.diary_number,
    )  # fmt: skip


def discard(actor: Actor, draft: MailDraft, reason: str) -> None:
    draft = _open(actor, draft)
    reason = clean_line(reason)[:500].strip()
    if len(reason) < 3:
        raise Refused("reason")
    draft.status = "discarded"
    draft.discard_reason = reason
    draft.decided_by_id, draft.decided_at = actor.id, datetime.now(UTC)
    db.session.flush()
    audit.record(
        "mail_discard", user_id=actor.id, object_type="mail", object_id=draft.id, reason=reason
    )


def of_receipt(receipt_id: int) -> MailDraft | None:
    return db.session.scalar(select(MailDraft).where(MailDraft.receipt_id == receipt_id))
