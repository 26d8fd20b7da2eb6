"""ई-मेल डाक: the dak desk's list of mail taken from the office mailbox, each mail's page (its
sender, text, attachments and OCR, with what to be careful of), diarising it through the
diarise form filled from it, or discarding it with a reason."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from eoffice.mailroom import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.mailroom import services
from eoffice.mailroom.models import MailAttachment, MailDraft
from eoffice.org.current import current_actor
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy.routes import login_required
from eoffice.web.htmx import redirect_to

bp = Blueprint("mailroom", __name__, url_prefix="/receipts/mail")

TABS = ("open", "diarised", "discarded")


def _draft_or_404(draft_id: int) -> MailDraft:
    draft = db.session.get(MailDraft, draft_id)
    if draft is None or not services.may_decide(current_actor(), draft.office):
        abort(404)
    return draft


@bp.get("/")
@login_required
def index():
    offices = services.desk_offices(current_actor())
    if not offices:
        abort(404)
    tab = request.args.get("tab", "open")
    if tab not in TABS:
        tab = "open"
    return render_template(
        "mailroom/index.html",
        offices=[(o, services.mailbox_of(o), services.drafts(o, tab)) for o in offices],
        tab=tab,
        words=services.STATE_WORDS,
        problems=services.PROBLEMS,
    )


@bp.get("/<int:draft_id>")
@login_required
def show(draft_id: int):
    draft = _draft_or_404(draft_id)
    return render_template(
        "mailroom/show.html",
        draft=draft,
        words=services.STATE_WORDS,
        warning_words=services.WARNING_WORDS,
        attachment_state=services.attachment_state,
    )


@bp.post("/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    draft = _draft_or_404(draft_id)
    try:
        services.discard(current_actor(), draft, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        flash(refused.say(services.REFUSED[refused.code]), "error")
        return redirect_to(url_for("mailroom.show", draft_id=draft_id) + "#discard")
    db.session.commit()
    flash(_("The mail was discarded. It stays in the list of discarded mail."), "success")
    return redirect_to(url_for("mailroom.index"))


@bp.get("/<int:draft_id>/mail.pdf")
@login_required
def document(draft_id: int):
    draft = _draft_or_404(draft_id)
    if draft.document is None:
        abort(404)
    return storage.send_pdf(draft.document.sha256, "email.pdf", sensitive=True)


@bp.get("/<int:draft_id>/original.eml")
@login_required
def original(draft_id: int):
    """The message as it came, to be opened in a mail program if ever needed: a download,
    never shown in the browser."""
    draft = _draft_or_404(draft_id)
    if draft.raw_sha256 is None:
        abort(404)
    return storage.send_download(draft.raw_sha256, "email.eml", "message/rfc822")


@bp.get("/<int:draft_id>/attachments/<int:attachment_id>")
@login_required
def attachment(draft_id: int, attachment_id: int):
    """An attachment as it came: always a download of opaque bytes, never shown or run."""
    draft = _draft_or_404(draft_id)
    a = db.session.get(MailAttachment, attachment_id)
    if a is None or a.draft_id != draft.id or a.sha256 is None:
        abort(404)
    return storage.send_download(a.sha256, a.filename, "application/octet-stream")
