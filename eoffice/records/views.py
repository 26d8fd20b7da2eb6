"""/records: the record room register, a file's record (review, weeding, markings), the
weeding proposals, the destruction register, and the office's retention schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.files.models import File
from eoffice.org.current import current_actor
from eoffice.platform.clock import local_date, parse_day, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line, clean_note
from eoffice.policy import can_open
from eoffice.policy.routes import login_required
from eoffice.records import jobs as _jobs  # noqa: F401  (registers its job handler)
from eoffice.records import library, registers, services
from eoffice.records.models import HOLDING_KINDS, Weeding
from eoffice.web.csvout import csv_response
from eoffice.web.hostile import to_int
from eoffice.web.htmx import redirect_to
from eoffice.web.pdfout import printed

bp = Blueprint("records", __name__, url_prefix="/records")

KIND_NAMES = registers.KIND_WORDS
REFUSED = {
    "not_keeper": _l("Only the record keeper can do this."),
    "not_recorded": _l("This file is not in the record room."),
    "not_closed": _l("Only a closed file that is not yet recorded can be recorded."),
    "permanent": _l("A category %(category)s file is kept for ever: it is never weeded."),
    "part": _l("A part file is weeded with its main file."),
    "open_part": _l("This file has a part file not merged back: merge it first."),
    "not_due": _l("This file is not due for review until %(year)s."),
    "held": _l("This file cannot be weeded while a marking on it is open: %(which)s."),
    "proposed": _l("Weeding of this file has already been proposed."),
    "no_approver": _l("No post may approve weeding in this office: the administrator names one in the retention schedule."),
    "no_reason": _l("Give the reason."),
    "no_remark": _l("Give the reason for refusing."),
    "years": _l("Keep it for 1 to 10 years."),
    "category": _l("Choose the record category: A, B or C."),
    "not_approver": _l("Only the officer the schedule names can decide this proposal."),
    "decided": _l("This proposal has already been decided."),
    "kind": _l("Choose what the file is marked for."),
    "not_allowed": _l("You cannot mark this file."),
    "weeded": _l("This file has been weeded."),
    "no_reference": _l("Give the case, para or application number."),
    "future": _l("The date cannot be in the future."),
    "already": _l("This marking is already closed."),
    "date": _l("Enter the date as dd-mm-yyyy."),
    "fee": _l("Say whether the fee was paid, or the applicant is below the poverty line."),
    "no_party": _l("Give the name and office of the person who wrote."),
    "no_due": _l("Give the date the reply is due."),
    "no_hearing": _l("Give the next date of hearing (not before today)."),
    "due_before": _l("A limit cannot be before the date received."),
    "no_parent": _l("Choose the question (or RTI application) it belongs to."),
    "other_office": _l("Choose a post of this office."),
    "action": _l("This cannot be done to this marking."),
    "when": _l("The date must be between the date received and today."),
    "no_to": _l("Give the public authority it was transferred to."),
}  # fmt: skip


def _say(refused: Refused) -> str:
    if refused.code == "held":
        which = ", ".join(
            f"{KIND_NAMES[m.kind]} ({m.reference})" for m in refused.details["markings"]
        )
        return str(REFUSED["held"]) % {"which": which}
    return refused.say(REFUSED[refused.code])


def _room_or_404():
    actor = current_actor()
    if not services.may_see_room(actor):
        abort(404)
    return actor


def _args():
    """The register's filter: due (this year and next), a category."""
    due = request.args.get("due") == "1"
    category = request.args.get("category", "")
    category = category if category in ("A", "B", "C") else ""
    return due, category


def _rows(limit: int):
    actor = _room_or_404()
    due, category = _args()
    rows = services.room(
        actor, due_by=today().year + 1 if due else None, category=category or None,
        limit=limit + 1,
    )  # fmt: skip
    return actor, due, category, rows[:limit], len(rows) > limit


@bp.get("/")
@login_required
def room():
    actor, due, category, rows, more = _rows(5000)
    return render_template(
        "records/room.html", rows=rows, more=more, due=due, category=category,
        keeper=services.keeps_records(actor), unrecorded=services.unrecorded(actor),
        waiting=services.proposals(actor), this_year=today().year,
    )  # fmt: skip


def _cells(f: File, keeper: bool) -> list[str]:
    shown = f.grading == "normal" or not keeper
    return [
        f.number, f.subject if shown else _("Confidential"),
        services.label(f.record_category, f.retention_years),
        local_date(f.recorded_at).strftime("%d-%m-%Y") if f.recorded_at else "",
        str(f.review_year or _("never (kept for ever)")), f.physical_location or "",
    ]  # fmt: skip


HEADER = [_l("File number"), _l("Subject"), _l("Category"), _l("Recorded on"),
          _l("Review year"), _l("Where the paper volume is")]  # fmt: skip


@bp.get("/register.csv")
@login_required
def room_csv():
    actor, due, category, rows, _more = _rows(5000)
    keeper = services.keeps_records(actor)
    name = f"record-room-{'due-' if due else ''}{today().isoformat()}.csv"
    return csv_response([str(h) for h in HEADER], (_cells(f, keeper) for f in rows), name)


def _pdf_response(template: str, name: str, back: str, **context):
    from eoffice.signing.pdf import _pdf

    return printed(
        lambda: _pdf(render_template(template, now=datetime.now(UTC), **context)), name, back
    )


@bp.get("/register.pdf")
@login_required
def room_pdf():
    limit = current_app.config["REGISTER_PDF_ROWS"]
    actor, due, category, rows, more = _rows(limit)
    back = url_for("records.room", due=1 if due else None, category=category or None)
    if more:
        flash(_("More than %(n)d entries: print one category at a time.", n=limit), "error")
        return redirect(back)
    title = _("Files due for review") if due else _("Record room register")
    return _pdf_response(
        "pdf/records.html", f"record-room-{today().isoformat()}.pdf", back, kind="room",
        title=title, rows=rows, keeper=services.keeps_records(actor),
    )  # fmt: skip


# --- one file's record ---------------------------------------------------------------------


def _record_file(file_id: int) -> File:
    """The file, if the actor keeps its office's records or may open it."""
    actor = current_actor()
    f = db.session.get(File, file_id)
    if f is None or not (services.keeps_records(actor, f.office) or can_open(actor, f)):
        abort(404)
    return f


@bp.get("/files/<int:file_id>")
@login_required
def record(file_id: int):
    f = _record_file(file_id)
    actor = current_actor()
    keeper = services.keeps_records(actor, f.office)
    suggested = services.suggestion(f.office, f.head)  # the category to record, and the approver
    return render_template(
        "records/file.html", file=f, keeper=keeper, kind_names=KIND_NAMES,
        markings=services.markings(f), may_mark=registers.may_mark(actor, f),
        proposal=services.open_proposal(f), weeding=services.weeding_of(f),
        refusal=services.weeding_refusal(f) if f.status == "closed" and f.record_category else None,
        say=_say, approver=suggested.approver, suggested=suggested,
        this_year=today().year, holding_kinds=HOLDING_KINDS,
        guard_sources=_guard_sources(f) if library.may_add(actor) else [],
    )  # fmt: skip


def _guard_sources(f: File) -> list[tuple[str, str]]:
    """The file's final notes and letters, to keep one in the guard file."""
    from eoffice.files import letters, notes

    if f.status == "weeded" or f.grading != "normal":
        return []
    out = [(f"note:{n.id}", _("Note ¶%(n)d: %(text)s", n=n.paragraph, text=n.body[:60]))
           for n in notes.final_notes(f)]  # fmt: skip
    out += [(f"letter:{d.serial}", _("Letter D%(n)d: %(text)s", n=d.serial, text=d.latest.subject[:60]))
            for d in letters.drafts(f)]  # fmt: skip
    return out


def _act(file_id: int, do, done: str):
    f = _record_file(file_id)
    try:
        do(current_actor(), f)
    except Refused as refused:
        db.session.rollback()
        flash(_say(refused), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect_to(url_for("records.record", file_id=file_id))


@bp.post("/files/<int:file_id>/keep")
@login_required
def keep(file_id: int):
    years = to_int(request.form.get("years"), 0)
    reason = clean_note(request.form.get("reason"))[:1000]
    return _act(
        file_id,
        lambda actor, f: services.keep(actor, f, years, reason),
        _("Kept: to be reviewed again in %(year)d.", year=today().year + years),
    )


@bp.post("/files/<int:file_id>/propose")
@login_required
def propose(file_id: int):
    reason = clean_note(request.form.get("reason"))[:1000]
    return _act(
        file_id,
        lambda actor, f: services.propose(actor, f, reason),
        _("Weeding proposed: it waits for the approving officer."),
    )


@bp.post("/files/<int:file_id>/record")
@login_required
def record_closed(file_id: int):
    category = request.form.get("category", "")[:1]
    years = to_int(request.form.get("years"))
    return _act(
        file_id,
        lambda actor, f: services.record_closed(actor, f, category, years),
        _("Recorded."),
    )


# --- weeding ---------------------------------------------------------------------------------


@bp.get("/weeding")
@login_required
def weeding():
    actor = current_actor()
    rows = services.proposals(actor)
    if not rows and not services.may_see_room(actor):
        abort(404)
    return render_template(
        "records/weeding.html", rows=rows, may_decide=lambda w: services.may_decide(actor, w)
    )


@bp.post("/weeding/<int:weeding_id>")
@login_required
def decide(weeding_id: int):
    w = db.session.get(Weeding, weeding_id)
    actor = current_actor()
    if w is None or not (actor.holds(w.approver_post_id) or services.keeps_records(actor)):
        abort(404)
    approve = request.form.get("decision") == "approve"
    if request.form.get("decision") not in ("approve", "refuse"):
        abort(400)
    remark = clean_note(request.form.get("remark"))[:1000]
    try:
        services.decide(actor, w, approve, remark)
    except Refused as refused:
        db.session.rollback()
        flash(_say(refused), "error")
        return redirect_to(url_for("records.weeding"))
    db.session.commit()
    if approve:
        flash(
            _("Approved: %(number)s is weeded, entry %(entry)d of the destruction register.",
              number=w.number, entry=w.entry_no), "success",
        )  # fmt: skip
        return redirect_to(url_for("records.destroyed"))
    flash(_("Refused: the file stays in the record room."), "success")
    return redirect_to(url_for("records.weeding"))


def _destroyed_rows(limit: int):
    actor = _room_or_404()
    rows = services.destruction_register(actor, limit + 1)
    return rows[:limit], len(rows) > limit


DESTROYED_HEADER = [_l("Entry"), _l("File number"), _l("Subject"), _l("Category"),
                    _l("Opened"), _l("Recorded on"), _l("Proposed by"), _l("Approved by"),
                    _l("Destroyed on"), _l("What was destroyed")]  # fmt: skip


def destroyed_cells(w: Weeding) -> list[str]:
    return [
        str(w.entry_no), w.number, w.subject, services.label(w.category, w.retention_years),
        w.opened_on.strftime("%d-%m-%Y"), w.recorded_on.strftime("%d-%m-%Y"),
        f"{w.proposed_by.name} ({w.proposed_post.designation}), "
        + local_date(w.proposed_at).strftime("%d-%m-%Y"),
        f"{w.decided_by.name} ({w.decided_post.designation})",
        local_date(w.decided_at).strftime("%d-%m-%Y"),
        _("%(notes)d notes, %(letters)d draft letters, %(items)d correspondence items, "
          "%(stored)d stored files", notes=w.notes_destroyed or 0, letters=w.letters_destroyed or 0,
          items=w.items_destroyed or 0, stored=w.stored_destroyed or 0),
    ]  # fmt: skip


@bp.get("/destroyed")
@login_required
def destroyed():
    rows, more = _destroyed_rows(5000)
    return render_template("records/destroyed.html", rows=rows, more=more, cells=destroyed_cells)


@bp.get("/destroyed.csv")
@login_required
def destroyed_csv():
    rows, _more = _destroyed_rows(5000)
    return csv_response(
        [str(h) for h in DESTROYED_HEADER], (destroyed_cells(w) for w in rows),
        f"destruction-register-{today().isoformat()}.csv",
    )  # fmt: skip


@bp.get("/destroyed.pdf")
@login_required
def destroyed_pdf():
    limit = current_app.config["REGISTER_PDF_ROWS"]
    rows, more = _destroyed_rows(limit)
    if more:
        flash(_("More than %(n)d entries: download the CSV.", n=limit), "error")
        return redirect(url_for("records.destroyed"))
    return _pdf_response(
        "pdf/records.html", f"destruction-register-{today().isoformat()}.pdf",
        url_for("records.destroyed"), kind="destroyed", title=_("Destruction register"),
        rows=rows, header=DESTROYED_HEADER, cells=destroyed_cells,
    )  # fmt: skip


# --- the registers: marking an item, its clock, the registers ----------------------------------


def _item(item_kind: str, item_id: int):
    """The file or receipt, if the actor may open it (a file: or keeps its office's records)."""
    from eoffice.receipts.models import Receipt

    if item_kind == "file":
        return _record_file(item_id)
    r = db.session.get(Receipt, item_id)
    if r is None or not can_open(current_actor(), r):
        abort(404)
    return r


def _day(name: str):
    return parse_day(request.form.get(name))


def _mark_input(kind: str) -> registers.MarkInput:
    f = request.form
    return registers.MarkInput(
        kind=kind, reference=clean_line(f.get("reference"))[:300],
        opened_on=_day("opened_on") if f.get("opened_on", "").strip() else today(),
        party=clean_line(f.get("party"))[:300], forum=clean_line(f.get("forum"))[:300],
        fee=f.get("fee", "")[:8], life_liberty=f.get("life_liberty") == "y",
        via_apio=f.get("via_apio") == "y", hearing_on=_day("hearing_on"), due_on=_day("due_on"),
        answer_post_id=to_int(f.get("answer_post")), parent_id=to_int(f.get("parent")),
    )  # fmt: skip


@bp.route("/mark/<any(file, receipt):item_kind>/<int:item_id>", methods=["GET", "POST"])
@login_required
def mark(item_kind: str, item_id: int):
    """Mark a receipt or a file for a register: choose the kind, then its fields (a plain
    form per kind: no script)."""
    item = _item(item_kind, item_id)
    actor = current_actor()
    kind = request.values.get("as", "")
    if not registers.may_mark(actor, item):
        abort(404)
    if request.method == "POST":
        if kind not in registers.ACTIONS:
            abort(400)
        try:
            m = registers.mark_item(actor, item, _mark_input(kind))
        except Refused as refused:
            db.session.rollback()
            flash(_say(refused), "error")
            return render_template(
                "records/mark.html", item=item, kind=kind, kind_names=KIND_NAMES,
                form=request.form, parents=_parents(kind), posts=_posts(item),
            ), 400  # fmt: skip
        db.session.commit()
        flash(_("Entered in the %(register)s: the limit is %(date)s.",
                register=registers.REGISTER_TITLES[registers.group_of(kind)],
                date=m.due_on.strftime("%d-%m-%Y") if m.due_on else "—"), "success")  # fmt: skip
        return redirect_to(item.url)
    return render_template(
        "records/mark.html", item=item, kind=kind if kind in registers.ACTIONS else "",
        kind_names=KIND_NAMES, form={}, parents=_parents(kind), posts=_posts(item),
    )  # fmt: skip


def _parents(kind: str):
    """The questions (for an assurance) or RTI applications (for an appeal) the actor may
    open in the office."""
    wanted = {"assurance": "question", "rti_appeal": "rti"}.get(kind)
    if wanted is None:
        return []
    group = registers.group_of(wanted)
    return [m for m in registers.register(current_actor(), group, state="all", limit=200)
            if m.kind == wanted]  # fmt: skip


def _posts(item):
    from eoffice.org.models import Post

    return list(
        db.session.scalars(
            db.select(Post)
            .where(Post.office_id == item.office_id, Post.is_active)
            .order_by(Post.rank, Post.id)
        )
    )


@bp.get("/markings/<int:marking_id>")
@login_required
def marking(marking_id: int):
    m = _marking(marking_id)
    return render_template(
        "records/marking.html", m=m, kind_names=KIND_NAMES, actions=registers.ACTIONS[m.kind],
        transfer_by=registers.transfer_by(m),
        may_act=registers.may_mark(current_actor(), m.item), this_day=today(),
        register_titles=registers.REGISTER_TITLES, group=registers.group_of(m.kind),
    )  # fmt: skip


def _marking(marking_id: int):
    from eoffice.records.models import Marking

    m = db.session.get(Marking, marking_id)
    if m is None:
        abort(404)
    _item("file" if m.file_id else "receipt", m.file_id or m.receipt_id)
    return m


DONE = {
    "acknowledge": _l("Acknowledgement entered: the reply is due by %(date)s."),
    "transfer": _l("Transfer under section 6(3) entered."),
    "hearing": _l("Next hearing entered: comments are due by %(date)s."),
    "close": _l("Closed."),
}


@bp.post("/markings/<int:marking_id>/<any(acknowledge, transfer, hearing, close):action>")
@login_required
def marking_act(marking_id: int, action: str):
    m = _marking(marking_id)
    f = request.form
    try:
        registers.act(
            current_actor(), m, action, on=_day("on") if f.get("on", "").strip() else today(),
            remark=clean_note(f.get("remark"))[:1000], to=clean_line(f.get("to"))[:300],
            hearing_on=_day("hearing_on"), due_on=_day("due_on"),
        )  # fmt: skip
    except Refused as refused:
        db.session.rollback()
        flash(_say(refused), "error")
    else:
        db.session.commit()
        flash(str(DONE[action]) % {"date": m.due_on.strftime("%d-%m-%Y") if m.due_on else "—"},
              "success")  # fmt: skip
    return redirect_to(url_for("records.marking", marking_id=marking_id))


def _register_args():
    state = request.args.get("state", "open")
    return (state if state in ("open", "closed", "all") else "open"), request.args.get(
        "week"
    ) == "1"


def _register_rows(group: str, limit: int):
    state, week = _register_args()
    rows = registers.register(current_actor(), group, state=state, week=week, limit=limit + 1)
    return state, week, rows[:limit], len(rows) > limit


GROUPS = "vip, questions, rti, court, audit"


@bp.get(f"/registers/<any({GROUPS}):group>")
@login_required
def register(group: str):
    state, week, rows, more = _register_rows(group, 5000)
    return render_template(
        "records/register.html", group=group, title=registers.REGISTER_TITLES[group],
        rows=rows, more=more, state=state, week=week, kind_names=KIND_NAMES,
        titles=registers.REGISTER_TITLES, this_day=today(),
    )  # fmt: skip


def register_cells(m, on) -> list[str]:
    item = m.item
    confidential = item.grading != "normal"
    return [
        str(KIND_NAMES[m.kind]), m.reference, item.number,
        _("Confidential") if confidential else item.subject, m.party or "", m.forum or "",
        m.opened_on.strftime("%d-%m-%Y"), m.due_on.strftime("%d-%m-%Y") if m.due_on else "",
        clock_words(m, on), m.closed_on.strftime("%d-%m-%Y") if m.closed_on else "",
        m.closed_remark or "",
    ]  # fmt: skip


def clock_words(m, on) -> str:
    if m.closed_on is not None:
        return _("closed")
    if m.due_on is None:
        return ""
    days = (m.due_on - on).days
    if days < 0:
        return _("%(n)d days overdue", n=-days)
    if days == 0:
        return _("due today")
    return _("%(n)d days left", n=days)


REGISTER_HEADER = [_l("Kind"), _l("Number"), _l("Item"), _l("Subject"), _l("From / parties"),
                   _l("Court / House"), _l("Received"), _l("Limit"), _l("Clock"),
                   _l("Closed on"), _l("Outcome")]  # fmt: skip


@bp.get(f"/registers/<any({GROUPS}):group>.csv")
@login_required
def register_csv(group: str):
    _state, _week, rows, _more = _register_rows(group, 5000)
    on = today()
    return csv_response([str(h) for h in REGISTER_HEADER], (register_cells(m, on) for m in rows),
                        f"{group}-register-{on.isoformat()}.csv")  # fmt: skip


@bp.get(f"/registers/<any({GROUPS}):group>.pdf")
@login_required
def register_pdf(group: str):
    limit = current_app.config["REGISTER_PDF_ROWS"]
    state, week, rows, more = _register_rows(group, limit)
    back = url_for("records.register", group=group, state=state, week=1 if week else None)
    if more:
        flash(_("More than %(n)d entries: download the CSV.", n=limit), "error")
        return redirect(back)
    return _pdf_response(
        "pdf/records.html", f"{group}-register-{today().isoformat()}.pdf", back, kind="marks",
        title=str(registers.REGISTER_TITLES[group]), rows=rows, header=REGISTER_HEADER,
        cells=lambda m: register_cells(m, today()),
    )  # fmt: skip


@bp.get("/registers/rti/return")
@login_required
def rti_return():
    from eoffice.records import limits

    fy, quarter = limits.quarter_of(today())
    fy = to_int(request.args.get("fy"), fy)
    quarter = to_int(request.args.get("q"), quarter)
    if not 2000 <= fy <= 2100 or quarter not in (1, 2, 3, 4):
        fy, quarter = limits.quarter_of(today())
    r = registers.rti_return(current_actor(), fy, quarter)
    return render_template("records/rti_return.html", r=r, fy=fy, quarter=quarter)


# --- the guard file and the library of orders ------------------------------------------------


LIBRARY_KINDS = {
    "precedent": _l("Precedent"),
    "standing_order": _l("Standing order"),
    "go": _l("Government order"),
    "circular": _l("Circular"),
}
LIBRARY_REFUSED = {
    "kind": _l("Choose what it is."),
    "not_allowed": _l("Only officers and the record keeper add to the guard file."),
    "confidential": _l("A confidential file's notes do not go into the guard file."),
    "no_source": _l("Choose a final note or a letter of this file."),
    "no_title": _l("Give the subject."),
    "no_number": _l("Give the order's number."),
    "date": _l("Enter the date as dd-mm-yyyy."),
    "future": _l("The date cannot be in the future."),
}


@bp.get("/library")
@login_required
def library_index():
    actor = current_actor()
    if actor.office is None:
        abort(404)
    q = clean_line(request.args.get("q"))[:200]
    kind = request.args.get("kind", "")
    kind = kind if kind in LIBRARY_KINDS else ""
    page = to_int(request.args.get("page"), 1) or 1
    rows, total = library.find(actor, q, kind, page)
    return render_template(
        "records/library.html", rows=rows, total=total, q=q, kind=kind, page=page,
        page_size=library.PAGE, kinds=LIBRARY_KINDS, may_add=library.may_add(actor),
    )  # fmt: skip


@bp.route("/library/new", methods=["GET", "POST"])
@login_required
def library_new():
    from eoffice.documents.messages import REJECTED
    from eoffice.documents.sanitise import Rejected
    from eoffice.documents.services import accept_upload, stored_files_follow_the_commit

    actor = current_actor()
    if not library.may_add(actor):
        abort(404)
    if request.method == "GET":
        return render_template("records/library_new.html", kinds=LIBRARY_KINDS, form={})
    f = request.form
    data = library.OrderInput(
        kind=f.get("kind", ""), title=clean_line(f.get("title"))[:1000],
        number=clean_line(f.get("number"))[:120], issued_on=parse_day(f.get("issued_on")),
        department=clean_line(f.get("department"))[:300], body=clean_note(f.get("body"))[:100000],
    )  # fmt: skip
    uploads = [u for u in request.files.getlist("document") if u.filename]
    with stored_files_follow_the_commit():
        try:
            document = (
                accept_upload(actor, [u.read() for u in uploads], uploads[0].filename or "")
                if uploads else None
            )  # fmt: skip
            e = library.add_order(actor, data, document)
        except (Rejected, Refused) as no:
            db.session.rollback()
            messages = REJECTED if isinstance(no, Rejected) else LIBRARY_REFUSED
            flash(str(messages[no.code]), "error")
            return render_template(
                "records/library_new.html", kinds=LIBRARY_KINDS, form=request.form
            ), 400
        db.session.commit()
    flash(_("Added to the library: %(title)s.", title=e.title), "success")
    return redirect_to(url_for("records.library_entry", entry_id=e.id))


@bp.get("/library/<int:entry_id>")
@login_required
def library_entry(entry_id: int):
    e = library.entry(current_actor(), entry_id)
    if e is None:
        abort(404)
    return render_template("records/library_entry.html", e=e, kinds=LIBRARY_KINDS)


@bp.get("/library/<int:entry_id>.pdf")
@login_required
def library_pdf(entry_id: int):
    from eoffice.platform import storage

    e = library.entry(current_actor(), entry_id)
    if e is None or e.document is None:
        abort(404)
    return storage.send_pdf(e.document.sha256, f"{e.number or e.id}.pdf")


@bp.post("/files/<int:file_id>/guard")
@login_required
def guard(file_id: int):
    f = _record_file(file_id)
    source = request.form.get("source", "")
    kind = request.form.get("kind", "")
    note_id = to_int(source.removeprefix("note:")) if source.startswith("note:") else None
    letter = to_int(source.removeprefix("letter:")) if source.startswith("letter:") else None
    if note_id is None and letter is None:
        abort(400)
    try:
        e = library.add_from_file(current_actor(), f, kind, note_id=note_id, letter=letter,
                                  title=clean_line(request.form.get("title"))[:1000])  # fmt: skip
    except Refused as refused:
        db.session.rollback()
        flash(str(LIBRARY_REFUSED[refused.code]), "error")
        return redirect_to(url_for("records.record", file_id=file_id) + "#guard")
    db.session.commit()
    flash(_("Added to the guard file: %(title)s.", title=e.title), "success")
    return redirect_to(url_for("records.record", file_id=file_id) + "#guard")
