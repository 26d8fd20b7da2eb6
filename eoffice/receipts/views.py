import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.citizens.notices import email_state
from eoffice.citizens.sms import configured as sms_configured
from eoffice.citizens.sms import messages_for as sms_for
from eoffice.documents.messages import REJECTED
from eoffice.documents.sanitise import Rejected
from eoffice.documents.services import accept_upload, stored_files_follow_the_commit
from eoffice.files import outage
from eoffice.files.models import File
from eoffice.files.services import file_of_receipt, held_receipts
from eoffice.mailroom import services as mail
from eoffice.mailroom.models import MailDraft
from eoffice.movement import services as movement
from eoffice.org.current import current_actor, open_or_404
from eoffice.platform import storage
from eoffice.platform.clock import local_date, parse_day, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy import can_open
from eoffice.policy.routes import login_required
from eoffice.receipts import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.receipts import services
from eoffice.receipts.forms import MODES, DiariseForm
from eoffice.receipts.models import Downtime, Receipt
from eoffice.records import registers
from eoffice.web.hostile import to_int
from eoffice.web.htmx import redirect_to

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


@bp.context_processor
def mode_names():
    names = {**dict(MODES), "eoffice": _l("e-Office (from an office of this district)")}
    return {"mode_name": lambda mode: str(names.get(mode, mode))}


def _get_visible(receipt_id: int) -> Receipt:
    return open_or_404(Receipt, receipt_id)


def _render_form(form, status=200, mail=None):
    return render_template("receipts/new.html", form=form, mail=mail), status


def _mail_draft():
    """The email being diarised (?mail=, or the form's hidden field), if the user decides on
    its office's mail; a mail already decided says so (a second tab, a double click)."""
    mail_id = to_int(request.values.get("mail"))
    if mail_id is None:
        return None
    draft = db.session.get(MailDraft, mail_id)
    if draft is None or not mail.may_decide(current_actor(), draft.office):
        abort(404)
    return draft


def _fill_from_mail(form: DiariseForm, draft) -> None:
    """The form as the mail says: the clerk checks and completes it."""
    form.sender_name.data = draft.from_name or draft.from_address or ""
    form.citizen_email.data = draft.from_address or ""
    form.subject.data = draft.subject or ""
    form.letter_date.data = local_date(draft.sent_at) if draft.sent_at else None
    form.received_on.data = local_date(draft.taken_at)
    form.mode.data = "email"
    text = f"{draft.subject or ''} {draft.body or ''}"
    form.language.data = "hi" if any("\u0900" <= c <= "\u097f" for c in text) else "en"


@bp.get("/")
@login_required
def index():
    me = current_actor()
    incoming = movement.incoming_from_other_offices(me, me.office) if me.office is not None else []
    desks = mail.desk_offices(me)
    return render_template(
        "receipts/index.html",
        mail_waiting=sum(mail.count_open(o) for o in desks) if desks else None,
        receipts=held_receipts(current_actor()),
        # the dak register shows normal-grade items coming in; opening one follows its own rules
        incoming=[(m, may_open) for m, may_open in incoming if m.item.grading == "normal"],
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def diarise():
    post = g.post
    if post is None:
        flash(_("You hold no post, so you cannot diarise letters."), "error")
        return redirect(url_for("org.home"))
    form = DiariseForm()
    form.category.choices = [(0, _("None"))] + [
        (c.id, c.name) for c in services.categories(post.office_id)
    ]
    draft = _mail_draft()
    if draft is not None and draft.status != "ready":
        if draft.receipt_id is not None:
            flash(_("This mail was already diarised."), "info")
            return redirect_to(url_for("receipts.show", receipt_id=draft.receipt_id))
        return redirect(url_for("mailroom.show", draft_id=draft.id))
    if draft is not None and not form.is_submitted():
        _fill_from_mail(form, draft)
    if not form.key.data:
        form.key.data = str(uuid.uuid4())
    if not form.validate_on_submit():
        return _render_form(form, 400 if form.errors else 200, mail=draft)

    try:
        key = uuid.UUID(form.key.data)
    except (TypeError, ValueError):  # missing or garbled: this submission stands alone
        key = uuid.uuid4()
    existing = services.lock_idempotency_key(post.office_id, key)
    if existing is not None:  # the same form again: a double click, or a resubmit after a timeout
        db.session.rollback()
        flash(
            _("This letter was already diarised as %(number)s.", number=existing.diary_number),
            "info",
        )
        return redirect_to(url_for("receipts.show", receipt_id=existing.id))

    uploads = form.uploads()
    if draft is not None:
        return _diarise_mail(form, draft, key, post)
    if not uploads and not form.is_physical_only.data:
        form.scan.errors.append(_("Attach a scan or photos, or tick 'physical letter only'."))
    elif uploads and form.is_physical_only.data:
        form.scan.errors.append(
            _("You ticked 'physical letter only' and also attached a file. Choose one.")
        )
    downtime = None
    if form.during_outage.data:
        downtime = outage.covering(post.office_id, form.received_on.data)
        if downtime is None:
            form.during_outage.errors = [
                _("No downtime of this office covers %(day)s: record it in the downtime register first.",
                  day=f"{form.received_on.data:%d-%m-%Y}")
            ]  # fmt: skip
    if form.scan.errors or form.during_outage.errors:
        db.session.rollback()
        return _render_form(form, 400)

    with stored_files_follow_the_commit():
        document = None
        if uploads:
            try:
                document = accept_upload(
                    current_actor(), [f.read() for f in uploads], uploads[0].filename or ""
                )
            except Rejected as r:
                db.session.rollback()
                form.scan.errors.append(str(REJECTED[r.code]))
                form.scan.errors.append(_("What you typed is kept; please attach the file again."))
                return _render_form(form, 400)
        data = _receipt_input(form)
        data.outage_id = downtime.id if downtime else None
        receipt = services.diarise_receipt(
            current_actor(), data, key=key, post=post, document=document
        )
        db.session.commit()
    return _diarised(receipt)


def _receipt_input(form: DiariseForm) -> services.ReceiptInput:
    return services.ReceiptInput(
        sender_name=form.sender_name.data,
        sender_designation=form.sender_designation.data or None,
        sender_organisation=form.sender_organisation.data or None,
        sender_address=form.sender_address.data or None,
        letter_number=form.letter_number.data or None,
        letter_date=form.letter_date.data,
        received_on=form.received_on.data,
        mode=form.mode.data,
        language=form.language.data,
        subject=form.subject.data,
        category_id=form.category.data or None,
        grading=form.grading.data,
        priority=form.priority.data,
        due_on=form.due_on.data,
        citizen_mobile=form.citizen_mobile.data or None,
        citizen_email=form.citizen_email.data or None,
        is_physical_only=bool(form.is_physical_only.data),
    )


def _diarise_mail(form: DiariseForm, draft, key: uuid.UUID, post):
    """The mail's PDF (its printed page and its attachments' pages) is the receipt's scan,
    its text and OCR the receipt's text; the mail names the receipt. One transaction."""
    data = _receipt_input(form)
    data.is_physical_only = False
    try:
        if post.office_id != draft.office_id:  # diarised by the office whose mail it is
            raise Refused("not_dak_desk")
        draft = mail.ready_for_diary(current_actor(), draft)
    except Refused as refused:
        db.session.rollback()
        flash(refused.say(mail.REFUSED[refused.code]), "error")
        return redirect_to(url_for("mailroom.show", draft_id=draft.id))
    text = "\n\n".join(t for t in (draft.body, draft.ocr_text) if t)
    receipt = services.diarise_receipt(
        current_actor(), data, key=key, post=post, document=draft.document,
        ocr_text=text if draft.ocr_status == "done" else None,
    )  # fmt: skip
    mail.diarised(current_actor(), draft, receipt)
    db.session.commit()
    return _diarised(receipt)


def _diarised(receipt: Receipt):
    flash(_("Diarised. Diary number: %(number)s", number=receipt.diary_number), "success")
    mark_as = request.form.get("mark_as", "")
    if mark_as in registers.ACTIONS:  # "for a register": its form next
        return redirect_to(
            url_for("records.mark", item_kind="receipt", item_id=receipt.id, **{"as": mark_as})
        )
    return redirect_to(url_for("receipts.show", receipt_id=receipt.id))


@bp.get("/<int:receipt_id>")
@login_required
def show(receipt_id: int):
    receipt = _get_visible(receipt_id)
    movement.record_view(current_actor(), receipt)
    db.session.commit()
    filed_in = file_of_receipt(receipt.id)
    return render_template(
        "receipts/show.html",
        receipt=receipt,
        ocr=services.ocr_state(receipt),
        holding=current_actor().charge_for(receipt.holder_post_id) is not None and filed_in is None,
        filed_in=filed_in,
        hops=movement.track(receipt),
        returnable=movement.came_from(receipt) is not None,
        sms=sms_for(receipt) if receipt.citizen_mobile else None,
        sms_on=sms_configured(),
        email_ack=email_state(receipt) if receipt.citizen_email else None,
        signed_by=_signed_by(receipt),
        from_dispatch=_from_dispatch(receipt),
        markings=registers.open_on(receipt),
        may_mark=registers.may_mark(current_actor(), receipt),
        age_days=(today() - receipt.received_on).days,
    )


def _from_dispatch(receipt: Receipt):
    """The issued letter an e-dispatched receipt is (the sending office's dispatch)."""
    if receipt.from_dispatch_id is None:
        return None
    from eoffice.dispatch.models import Dispatch

    return db.session.get(Dispatch, receipt.from_dispatch_id)


def _signed_by(receipt: Receipt) -> list:
    """An e-dispatched letter's signatures as recorded by the sending office."""
    from eoffice.signing.services import signatures

    d = _from_dispatch(receipt)
    return signatures(d.draft) if d is not None and d.draft is not None else []


@bp.get("/<int:receipt_id>/acknowledgement")
@login_required
def acknowledgement(receipt_id: int):
    from eoffice.citizens.services import status_link

    receipt = _get_visible(receipt_id)
    url, qr = status_link(receipt) if receipt.citizen_mobile else (None, None)
    return render_template("receipts/ack.html", receipt=receipt, status_url=url, status_qr=qr)


def _visible_page(receipt_id: int, page: int) -> Receipt:
    receipt = _get_visible(receipt_id)
    if receipt.document is None or not 1 <= page <= receipt.document.pages:
        abort(404)
    return receipt


@bp.get("/<int:receipt_id>/pages/<int:page>")
@login_required
def page(receipt_id: int, page: int):
    receipt = _visible_page(receipt_id, page)
    return render_template("receipts/page.html", receipt=receipt, page=page)


@bp.get("/<int:receipt_id>/pages/<int:page>.jpg")
@login_required
def page_image(receipt_id: int, page: int):
    receipt = _visible_page(receipt_id, page)
    resp = storage.send_image(receipt.document.preview_sha256[page - 1])
    resp.headers["Cache-Control"] = (
        "private, max-age=31536000, immutable"  # content-addressed
        if receipt.grading == "normal"
        else "no-store"  # confidential or secret: a shared office PC keeps nothing
    )
    return resp


def _send_pdf(receipt_id: int, original: bool = False):
    receipt = _get_visible(receipt_id)
    if receipt.document is None:
        abort(404)
    sha256 = receipt.document.original_sha256 if original else receipt.document.sha256
    if sha256 is None:
        abort(404)
    # "कले/2026/000001" → "कले-2026-000001.pdf" (ASCII fallback: eoffice-2026-000001.pdf)
    name = receipt.diary_number.replace("/", "-") + ("-original" if original else "") + ".pdf"
    return storage.send_pdf(sha256, name, attachment=True, sensitive=receipt.grading != "normal")


@bp.get("/<int:receipt_id>/document.pdf")
@login_required
def document(receipt_id: int):
    return _send_pdf(receipt_id)


@bp.get("/<int:receipt_id>/original.pdf")
@login_required
def original(receipt_id: int):
    return _send_pdf(receipt_id, original=True)


PART_REFUSED = {
    "no_such_file": _l("No file you may open has this number."),
    "is_a_part": _l("That is itself a part file: give the main file's number."),
    "closed": _l("That file is closed."),
    "you_hold_it": _l("That file is with you: put the receipt in it instead."),
    "not_holder": _l("This receipt is not with you."),
}


@bp.post("/<int:receipt_id>/part-file")
@login_required
def open_part_file(receipt_id: int):
    """भाग पत्रावली: a part of a file that is with another desk, for this receipt."""
    from eoffice.files import parts
    from eoffice.platform.text import clean_line
    from eoffice.web.hostile import form_key

    receipt = _get_visible(receipt_id)
    number = clean_line(request.form.get("number"))[:120]
    key = form_key(request.form.get("key"))
    if not number:
        flash(_("Write the number of the file this receipt belongs to."), "error")
        return redirect_to(url_for("receipts.show", receipt_id=receipt_id))
    try:
        part = parts.open_part(current_actor(), number, receipt, key)
    except Refused as refused:
        db.session.rollback()
        flash(str(PART_REFUSED.get(refused.code, PART_REFUSED["no_such_file"])), "error")
        return redirect_to(url_for("receipts.show", receipt_id=receipt_id))
    db.session.commit()
    flash(_("Part file %(number)s opened with this receipt.", number=part.number), "success")
    return redirect_to(url_for("files.show", file_id=part.id))


# --- the downtime register ---------------------------------------------------------------


@bp.route("/downtime", methods=["GET", "POST"])
@login_required
def downtime():
    """डाउनटाइम पंजी: the office's days without the server, and what was entered afterwards.
    Anyone of the office reads it; its administrator or dak desk records a downtime."""
    office = current_actor().office
    if office is None:
        abort(404)
    may = outage.may_record(current_actor(), office)
    error = None
    if request.method == "POST":
        if not may:
            abort(403)
        try:
            outage.record(
                current_actor(), office, parse_day(request.form.get("starts_on")),
                parse_day(request.form.get("ends_on")), request.form.get("reason", ""),
            )  # fmt: skip
        except Refused as refused:
            db.session.rollback()
            error = refused.say(outage.REFUSED[refused.code])
        else:
            db.session.commit()
            flash(
                _("The downtime is recorded. Dak and orders of those days can now be entered."),
                "success",
            )
            return redirect_to(url_for("receipts.downtime"))
    return render_template(
        "receipts/downtime.html", office=office, lines=outage.register(office), may=may,
        error=error, form=request.form if error else {},
    ), 400 if error else 200  # fmt: skip


@bp.get("/downtime/<int:downtime_id>")
@login_required
def downtime_entries(downtime_id: int):
    office = current_actor().office
    d = db.session.get(Downtime, downtime_id)
    if d is None or office is None or d.office_id != office.id:
        abort(404)
    receipts, notes = outage.entries(d)
    me = current_actor()
    return render_template(
        "receipts/downtime_entries.html", d=d, notes=notes,
        receipts=[(r, can_open(me, r)) for r in receipts],
        files={n.file_id: db.session.get(File, n.file_id) for n in notes},
    )  # fmt: skip
