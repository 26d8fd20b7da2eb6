"""Files: open, list, view, place receipts in them."""

import re
import secrets
import uuid

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eoffice.dispatch import services as dispatches
from eoffice.documents.messages import REJECTED
from eoffice.documents.sanitise import Rejected
from eoffice.documents.services import accept_upload, stored_files_follow_the_commit
from eoffice.files import letters, notes, outage, parts, services
from eoffice.files.forms import AttachForm, FileForm
from eoffice.files.lookup import visible_file
from eoffice.files.models import Correspondence, File, SubjectHead
from eoffice.movement import services as movement
from eoffice.org.current import current_actor
from eoffice.org.models import Section
from eoffice.platform import storage
from eoffice.platform.clock import parse_day, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line, clean_note, shorten
from eoffice.policy import can_open
from eoffice.policy.routes import login_required
from eoffice.receipts import services as receipts
from eoffice.receipts.models import Receipt
from eoffice.records import registers
from eoffice.records import services as records
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import is_htmx, redirect_to
from eoffice.web.i18n import term

bp = Blueprint("files", __name__, url_prefix="/files")

ATTACH_REFUSED = {
    "not_holder": _l("Both the file and the receipt must be with you."),
    "closed": _l("This file is closed."),
    "filed": _l("This receipt is already in a file."),
}


@bp.get("/")
@login_required
def index():
    scope = request.args.get("scope", "mine")
    q = clean_line(request.args.get("q"))[:200]  # pasted zero-width characters match nothing
    page = request.args.get("page", 1, type=db_int)
    files, total = services.list_files(current_actor(), scope=scope, q=q, post=g.post, page=page)
    return render_template(
        "files/index.html",
        files=files,
        total=total,
        count_cap=services.COUNT_CAP,
        scope=scope,
        q=q,
        page=page,
        page_size=25,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    post = g.post
    if post is None:
        flash(_("You hold no post, so you cannot open a file."), "error")
        return redirect(url_for("org.home"))
    form = FileForm()
    office = post.office
    form.section.choices = [
        (s.id, f"{s.name} ({s.code})") for s in office.sections if s.retired_at is None
    ]
    # the section's own heads first, then the office-wide and other sections' heads; nothing
    # is chosen for the user (a new file in शस्त्र got भूमि अभिलेख by default)
    heads = sorted(
        services.subject_heads(office.id),
        key=lambda h: (h.section_id != post.section_id, h.section_id is not None, h.code),
    )
    form.head.choices = [(0, _("Choose a subject head"))] + [
        (h.id, f"{h.name} ({h.code})") for h in heads
    ]
    form.category.choices = [(0, _("None"))] + [
        (c.id, c.name) for c in receipts.categories(office.id)
    ]
    receipt = None
    if request.method == "GET":
        form.key.data = str(uuid.uuid4())
        form.section.data = post.section_id
        receipt_id = request.args.get("receipt", type=db_int)
        receipt = db.session.get(Receipt, receipt_id) if receipt_id else None
        if receipt is not None and can_open(current_actor(), receipt):
            form.receipt.data = str(receipt.id)
            form.subject.data = receipt.subject
            form.category.data = receipt.category_id or 0
            form.priority.data = receipt.priority
            form.grading.data = receipt.grading
    if not form.validate_on_submit():
        return render_template("files/new.html", form=form), 400 if form.errors else 200
    try:
        key = uuid.UUID(form.key.data)
    except (TypeError, ValueError):  # missing or garbled: this submission stands alone
        key = uuid.uuid4()
    existing = services.lock_idempotency_key(office.id, key)
    if existing is not None:
        db.session.rollback()
        flash(_("This file was already opened as %(number)s.", number=existing.number), "info")
        return redirect_to(url_for("files.show", file_id=existing.id))
    data = services.FileInput(
        subject=form.subject.data,
        section=db.session.get(Section, form.section.data),
        head=db.session.get(SubjectHead, form.head.data),
        kind=form.kind.data,
        category_id=form.category.data or None,
        grading=form.grading.data,
        priority=form.priority.data,
        physical_location=form.physical_location.data or None,
    )
    f = services.open_file(current_actor(), data, key=key, post=post, year=today().year)
    receipt_id = to_int(form.receipt.data)
    receipt = db.session.get(Receipt, receipt_id) if receipt_id else None
    if receipt is not None:
        try:
            services.attach_receipt(current_actor(), f, receipt)
        except Refused as refused:
            flash(str(ATTACH_REFUSED[refused.code]), "error")
    db.session.commit()
    flash(_("%(term)s opened: %(number)s", term=term("file"), number=f.number), "success")
    return redirect_to(url_for("files.show", file_id=f.id))


NOTE_REFUSED = {
    "not_holder": _l(
        "This file is not with you now, so you cannot write in it. Your text is kept below."
    ),
    "closed": _l("This file is closed. Your text is kept below."),
    "too_long": _l("A note can have at most 50,000 characters. Please split it into two notes."),
    "conflict": _l(
        "This note was saved or made final in another tab or window. Nothing was overwritten: "
        "your text is kept below. Reload the page to continue."
    ),
    "empty": _l("Write the note before making it final."),
    "paper_date": _l(
        "The date the order was passed on paper is not a past date (dd-mm-yyyy). Your text is kept below."
    ),
    "no_downtime": _l(
        "No downtime of this office covers the date the order was passed: the downtime register records it first. Your text is kept below."
    ),
}


@bp.get("/<int:file_id>")
@login_required
def show(file_id: int):
    f = visible_file(file_id)
    movement.record_view(current_actor(), f)
    page = _file_page(f)  # rendered before the commit, which would expire every loaded row
    db.session.commit()
    return page


def _file_page(f: File, *, typed: str | None = None, note_error: str | None = None, status=200):
    holding = current_actor().charge_for(f.holder_post_id) is not None
    # a link to the receipts the desk may place here (their list is a page of its own: a busy
    # desk holds dozens, and this page is read on 2G)
    attach = holding and f.status != "closed" and bool(services.held_receipts(current_actor(), 1))
    draft = notes.my_draft(current_actor(), f) if holding else None
    finals = notes.final_notes(f)
    from eoffice.signing.services import note_signature_counts

    drafts = letters.drafts(f)
    return render_template(
        "files/show.html",
        file=f,
        holding=holding,
        writable=services.is_writable(current_actor(), f),
        returnable=movement.came_from(f) is not None,
        letters=drafts,
        issued=dispatches.issued([d.id for d in drafts]),
        linked=services.linked_files(current_actor(), f),
        history=services.status_history(f),
        attach=attach,
        finals=finals,
        note_signed=note_signature_counts([n.id for n in finals]),
        draft=draft,
        typed=typed if typed is not None else (draft.body if draft else ""),
        note_error=note_error,
        editor=new_editor(),
        bodies=notes.render_bodies(current_actor(), finals, f),
        main_file=db.session.get(File, f.part_of_id) if f.part_of_id else None,
        parts=parts.parts_of(f) if f.part_of_id is None else [],
        can_merge=parts.can_merge(current_actor(), f),
        markings=registers.open_on(f),
        may_mark=f.status != "weeded" and registers.may_mark(current_actor(), f),
    ), status


#: The token a note form carries (new_editor()); anything else is no token.
EDITOR = re.compile(r"[A-Za-z0-9_-]{16,32}")


def new_editor() -> str:
    return secrets.token_urlsafe(16)


def _note_input() -> tuple[str, int | None, str | None]:
    version = request.form.get("version", "")
    editor = request.form.get("editor", "")
    return (
        clean_note(request.form.get("body")),
        to_int(version),
        editor if EDITOR.fullmatch(editor) else None,
    )


@bp.post("/<int:file_id>/notes/draft")
@login_required
def save_note(file_id: int):
    f = visible_file(file_id)
    body, version, editor = _note_input()
    try:
        draft = notes.save_draft(current_actor(), f, body, version, editor)
    except Refused as refused:
        db.session.rollback()
        message = str(NOTE_REFUSED[refused.code])
        if is_htmx():
            return note_status(version=version or 0, error=message), 409
        return _file_page(f, typed=body, note_error=message, status=409)
    db.session.commit()
    if is_htmx():
        return note_status(
            version=draft.version if draft else 0, saved_at=draft and draft.updated_at
        )
    flash(_("Draft saved."), "success")
    return redirect(url_for("files.show", file_id=file_id) + "#note-form")


def _paper_order(f: File) -> notes.PaperOrder | None:
    """An order passed on paper while the server was down, entered now: its date (which a
    recorded downtime of the office must cover) and who passed it."""
    typed = (request.form.get("passed_on") or "").strip()
    if not typed:
        return None
    day = parse_day(typed)
    if day is None or day > today():
        raise Refused("paper_date")
    downtime = outage.covering(f.office_id, day)
    if downtime is None:
        raise Refused("no_downtime")
    by = clean_line(request.form.get("passed_by"))[:200] or None
    return notes.PaperOrder(day, by, downtime.id)


def note_status(**context):
    return get_template_attribute("files/_notes.html", "note_status")(**context)


@bp.post("/<int:file_id>/notes/final")
@login_required
def finalise_note(file_id: int):
    f = visible_file(file_id)
    body, version, editor = _note_input()
    try:
        note = notes.finalise(current_actor(), f, body, version, editor, paper=_paper_order(f))
    except Refused as refused:
        db.session.rollback()
        earlier = (
            notes.already_final(current_actor(), f, body) if refused.code == "conflict" else None
        )
        if earlier is not None:  # the same text made final a moment ago: a second click
            flash(_("This note is already final as paragraph %(n)d.", n=earlier.paragraph), "info")
            return redirect_to(url_for("files.show", file_id=file_id) + f"#p{earlier.paragraph}")
        return _file_page(f, typed=body, note_error=str(NOTE_REFUSED[refused.code]), status=409)
    db.session.commit()
    flash(_("Paragraph %(n)d is final.", n=note.paragraph), "success")
    return redirect_to(url_for("files.show", file_id=file_id) + f"#p{note.paragraph}")


def _attach_form() -> AttachForm:
    form = AttachForm()
    form.receipt.choices = [
        (r.id, f"{r.diary_number}: {shorten(r.subject, 60)}")
        for r in services.held_receipts(current_actor())
    ]
    return form


@bp.get("/<int:file_id>/correspondence")
@login_required
def attach_form(file_id: int):
    """The receipts with the user's desks, to place one in this file."""
    f = visible_file(file_id)
    if current_actor().charge_for(f.holder_post_id) is None or f.status == "closed":
        flash(_("This file is not with you now, so you cannot add documents to it."), "error")
        return redirect(url_for("files.show", file_id=file_id))
    return render_template("files/attach.html", file=f, form=_attach_form())


@bp.post("/<int:file_id>/correspondence")
@login_required
def attach(file_id: int):
    f = visible_file(file_id)
    form = _attach_form()
    if not form.validate_on_submit():
        flash(_("Choose a receipt that is with you."), "error")
        return redirect_to(url_for("files.show", file_id=file_id))
    receipt = db.session.get(Receipt, form.receipt.data)
    try:
        services.attach_receipt(current_actor(), f, receipt)
    except Refused as refused:
        db.session.rollback()
        flash(str(ATTACH_REFUSED[refused.code]), "error")
    else:
        db.session.commit()
        flash(_("Receipt %(number)s placed in the file.", number=receipt.diary_number), "success")
    return redirect_to(url_for("files.show", file_id=file_id))


DOCUMENT_REFUSED = {
    "not_holder": _l("This file is not with you now, so you cannot add documents to it."),
    "closed": _l("This file is closed."),
}


@bp.post("/<int:file_id>/documents")
@login_required
def upload(file_id: int):
    """An uploaded document (letter, enclosure, report) as the file's next correspondence."""
    f = visible_file(file_id)
    title = clean_line(request.form.get("title"))[:300]
    uploads = [u for u in request.files.getlist("document") if u.filename]
    if not title or not uploads:
        flash(_("Give the document a title and choose the file to attach."), "error")
        return redirect_to(url_for("files.show", file_id=file_id) + "#correspondence")
    with stored_files_follow_the_commit():
        try:
            document = accept_upload(
                current_actor(), [u.read() for u in uploads], uploads[0].filename or ""
            )
            c = services.attach_document(current_actor(), f, document, title)
        except (Rejected, Refused) as no:
            db.session.rollback()
            messages = REJECTED if isinstance(no, Rejected) else DOCUMENT_REFUSED
            flash(str(messages[no.code]), "error")
            return redirect_to(url_for("files.show", file_id=file_id) + "#correspondence")
        db.session.commit()
    flash(
        _("%(title)s placed in the file from page %(page)d.", title=c.title, page=c.first_page),
        "success",
    )
    return redirect_to(url_for("files.show", file_id=file_id) + "#correspondence")


@bp.get("/<int:file_id>/documents/<int:position>.pdf")
@login_required
def document(file_id: int, position: int):
    f = visible_file(file_id)
    c = db.session.scalar(
        db.select(Correspondence).where(
            Correspondence.file_id == f.id, Correspondence.position == position
        )
    )
    if c is None or c.document is None:
        abort(404)
    return storage.send_pdf(
        c.document.sha256, f"{position}.pdf", immutable=True, sensitive=f.grading != "normal"
    )


LINK_REFUSED = {
    "not_holder": _l("Only the holder of this file can link it to others."),
    "closed": _l("This file is closed."),
    "no_such_file": _l("No file with that number that you may open."),
    "same_file": _l("A file cannot be linked to itself."),
    "already_linked": _l("These files are already linked."),
}


@bp.post("/<int:file_id>/links")
@login_required
def link(file_id: int):
    f = visible_file(file_id)
    number = clean_line(request.form.get("number"))[:120]
    other = services.find_by_number(f.office_id, number) if number else None
    try:
        services.link(current_actor(), f, other)
    except Refused as refused:
        db.session.rollback()
        flash(str(LINK_REFUSED[refused.code]), "error")
    else:
        db.session.commit()
        flash(_("Linked to %(number)s.", number=other.number), "success")
    return redirect_to(url_for("files.show", file_id=file_id) + "#links")


STATUS_REFUSED = {
    "not_holder": _l("Only the holder of this file can change its status."),
    "not_authorised": _l(
        "Only the officer who opened the file or the section officer can close or reopen it."
    ),
    "no_reason": _l("Give the reason."),
    "already": _l("The file already has this status."),
    "bad_transition": _l("A closed file must be reopened first."),
    "category": _l("Choose the record category: A, B or C."),
    "years": _l("For category C, keep it for 1 to 10 years."),
}
STATUS_DONE = {
    "closed": _l("The file is closed."),
    "open": _l("The file is open."),
    "parked": _l("The file is parked."),
}


@bp.route("/<int:file_id>/status", methods=["GET", "POST"])
@login_required
def change_status(file_id: int):
    """Close, park, reopen or resume, with a reason: its own page (a rare action, kept off the
    file page that every look downloads)."""
    f = visible_file(file_id)
    if request.method == "GET":
        if current_actor().charge_for(f.holder_post_id) is None:
            flash(str(STATUS_REFUSED["not_holder"]), "error")
            return redirect(url_for("files.show", file_id=file_id))
        return render_template(
            "files/status.html",
            file=f,
            may_close=services.may_close(current_actor(), f),
            suggested=records.suggestion(f.office, f.head) if f.status != "closed" else None,
        )
    to = request.form.get("to", "")
    reason = clean_note(request.form.get("reason"))[:1000]
    if to not in STATUS_DONE:
        abort(400)
    try:
        if to == "closed":  # closing records the file (CSMOP ch. 10); the form offers the
            # schedule's suggestion, which a form without the choice (an old page) takes
            category = request.form.get("category")
            if category is None:
                suggested = records.suggestion(f.office, f.head)
                category, years = suggested.category, suggested.years
            else:
                years = to_int(request.form.get("years"))
            records.close_and_record(current_actor(), f, category[:1], years, reason)
        else:
            services.change_status(current_actor(), f, to, reason)
    except Refused as refused:
        db.session.rollback()
        flash(str(STATUS_REFUSED[refused.code]), "error")
        if refused.code != "not_holder":
            return redirect_to(url_for("files.change_status", file_id=file_id))
    else:
        db.session.commit()
        if to == "closed":
            flash(_("The file is closed and recorded as %(category)s.",
                    category=records.label(f.record_category, f.retention_years)), "success")  # fmt: skip
        else:
            flash(str(STATUS_DONE[to]), "success")
    return redirect_to(url_for("files.show", file_id=file_id))


@bp.get("/<int:file_id>/viewers")
@login_required
def viewers(file_id: int):
    """Who has seen this file, and when (the audit trail's views, newest first)."""
    from eoffice.org.models import Post, User
    from eoffice.platform.audit import AuditEvent

    f = visible_file(file_id)
    if not current_actor().can("see_viewers"):
        abort(403)
    rows = db.session.execute(
        select(AuditEvent.at, User, Post)
        .join(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Post, Post.id == AuditEvent.actor_post_id)
        .where(
            AuditEvent.object_type == "file",
            AuditEvent.object_id == f.id,
            AuditEvent.action == "view",
        )
        .order_by(AuditEvent.at.desc())
        .limit(100)
    ).all()
    return render_template("files/viewers.html", file=f, rows=rows)


PART_REFUSED = {
    "not_a_part": _l("This is not a part file."),
    "already_merged": _l("This part file has already been merged."),
    "hold_both": _l("Merge when both the part and the main file are with you."),
    "draft_in_part": _l("Finish or discard the draft note in the part file first."),
}


@bp.post("/<int:file_id>/merge")
@login_required
def merge_part(file_id: int):
    part = visible_file(file_id)
    try:
        main = parts.merge(current_actor(), part)
    except Refused as refused:
        db.session.rollback()
        flash(str(PART_REFUSED.get(refused.code, PART_REFUSED["hold_both"])), "error")
        return redirect_to(url_for("files.show", file_id=file_id))
    db.session.commit()
    flash(_("%(part)s merged into %(main)s.", part=part.number, main=main.number), "success")
    return redirect_to(url_for("files.show", file_id=main.id))
