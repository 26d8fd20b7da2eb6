"""Inbox, sent, pending with others, copies, escalation; send, pull back, track."""

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
from flask_login import current_user
from sqlalchemy import select

from eoffice.files.models import File
from eoffice.movement import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.movement import paper, services
from eoffice.movement.forms import SendForm
from eoffice.movement.models import Movement
from eoffice.org.current import current_actor, open_or_404
from eoffice.org.models import Post, Role
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.items import item_url
from eoffice.platform.text import clean_line
from eoffice.policy import can_open
from eoffice.policy.roles import roles_that
from eoffice.policy.routes import login_required, roles
from eoffice.tasks.services import reminders_on
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import page_or_fragment, redirect_to
from eoffice.web.i18n import format_moment
from eoffice.web.pdfout import printed

bp = Blueprint("movement", __name__)

#: the age bands of services.AGE_BANDS as the inbox filter, "my work" and the reports name them
AGE_LABELS = {
    "0-7": _l("0–7 days"),
    "8-15": _l("8–15 days"),
    "16-30": _l("16–30 days"),
    "31-90": _l("31–90 days"),
    "90+": _l("over 90 days"),
}

REFUSED = {
    "already_moved": _l(
        "This item has already moved: it was sent on before your request. Nothing was changed."
    ),
    "not_holder": _l("This item is not with you now, so you cannot act on it."),
    "filed": _l("This receipt is in a file; it moves with the file."),
    "closed": _l("This file is closed. Reopen it before sending it."),
    "self": _l("You cannot send an item to yourself."),
    "other_district": _l("You can send only to posts of your own district."),
    "vacant": _l(
        "Nobody holds %(post)s (%(office)s) now: the post is vacant. Choose another post, or "
        "ask %(ask)s to give its charge to someone."
    ),
    "not_sender": _l("Only the post that sent an item can pull it back."),
    "opened": _l("The recipient has already opened it, so it can no longer be pulled back."),
}
#: Refusals about the chosen recipient: shown on the form, which keeps what was typed.
FORM_ERRORS = {"self", "other_district", "vacant"}


def _visible(kind: str, item_id: int):
    return open_or_404(services.KINDS[kind], item_id)


def _filters() -> services.Filters:
    a = request.args
    return services.Filters(
        kind=a.get("kind", ""),
        priority=a.get("priority", ""),
        overdue=a.get("overdue") == "1",
        unread=a.get("unread") == "1",
        due_today=a.get("due") == "today",
        age=a.get("age", "") if services.age_span(a.get("age", "")) else "",
        sort=a.get("sort", "newest"),
        page=a.get("page", 1, type=db_int),
    )


@bp.get("/inbox")
@login_required
def inbox():
    f = _filters()
    rows, total = services.inbox(current_actor(), f)
    return page_or_fragment(
        "movement/inbox.html",
        "movement/_lists.html",
        "inbox_table",
        rows=rows,
        total=total,
        f=f,
        page_size=services.PAGE_SIZE,
    )


@bp.get("/inbox/sent")
@login_required
def sent():
    pending = request.args.get("pending") == "1"
    page = request.args.get("page", 1, type=db_int)
    movements, total = services.sent(current_actor(), pending_only=pending, page=page)
    return render_template(
        "movement/sent.html",
        movements=movements,
        total=total,
        pending=pending,
        page=page,
        page_size=services.PAGE_SIZE,
    )


@bp.get("/inbox/copies")
@login_required
def copies():
    return render_template("movement/copies.html", copies=services.copies_for_me(current_actor()))


@bp.get("/inbox/overdue")
@roles(*roles_that("give_tasks"))
def escalation():
    section_id = None
    if current_user.role == Role.SECTION_OFFICER and g.post is not None:
        section_id = g.post.section_id
    return render_template(
        "movement/escalation.html",
        groups=services.escalation(current_actor(), g.office, section_id),
    )


def _narrows(q: str) -> bool:
    """Two letters narrow the recipient list; fewer leave the whole list in place."""
    return len(q.strip()) >= 2


@bp.get("/move/posts")
@login_required
def posts():
    """htmx: the recipient select, narrowed to posts matching what was typed."""
    q = request.args.get("q", "")
    narrowing = _narrows(q)
    options = (
        services.recipients(current_actor(), q)
        if narrowing
        else services.recipient_choices(current_actor())
    )
    selected = options[0].id if narrowing and options else request.args.get("to_post", type=db_int)
    return get_template_attribute("movement/_send.html", "recipient_select")(
        options=options,
        selected=selected,
        error=_("No post matches.") if narrowing and not options else None,
    )


@bp.route("/<any(file, receipt):kind>/<int:item_id>/send", methods=["GET", "POST"])
@login_required
def send(kind: str, item_id: int):
    item = _visible(kind, item_id)
    if request.method == "POST" and services.already_sent(request.form.get("key")):
        # the same form again (double click, resubmit after a timeout): nothing more to do
        flash(_("This was already sent; it was not sent twice."), "info")
        return redirect_to(url_for("movement.inbox"))
    refusal = services.cannot_send(
        current_actor(), item, request.form.get("expected") if request.method == "POST" else None
    )
    if refusal is not None:
        flash(str(REFUSED[refusal]), "error")
        return redirect(item_url(kind, item_id))
    form = SendForm()
    chosen = [n for n in map(to_int, request.form.getlist("copies")) if n is not None][:50]
    everyone = services.recipient_choices(current_actor(), include=chosen)
    copy_q = clean_line(request.form.get("copy_q", ""))[:100]
    copy_posts = services.copy_choices(current_actor(), copy_q, chosen)
    form.copies.choices = [(p.id, p.designation) for p in copy_posts]
    suggested = services.suggested_next(item)
    if request.method == "GET":
        form.key.data = str(uuid.uuid4())
        form.expected.data = str(item.last_movement_id or "")
        form.priority.data = item.priority
        if suggested is not None:
            form.to_post.data = str(suggested.id)
        came = services.came_from(item) if request.args.get("back") == "1" else None
        if came is not None:  # वापस भेजें: to the post it came from, citing that movement
            form.to_post.data = str(came.from_post_id)
            form.remarks.data = _(
                "Returned with reference to your movement of %(when)s: ",
                when=format_moment(came.sent_at, "short"),
            )
    q = form.q.data or ""
    finding = request.form.get("action") in ("find", "find_copies")
    status = 200
    if request.method == "POST" and not finding:
        if form.validate_on_submit():
            try:
                key = uuid.UUID(form.key.data)
            except (TypeError, ValueError):
                key = uuid.uuid4()
            data = services.SendInput(
                to_post=form.to_post.post,
                remarks=form.remarks.data,
                priority=form.priority.data,
                due_on=form.due_on.data,
                copies=[db.session.get(Post, i) for i in form.copies.data or []],
                expected=int(form.expected.data) if form.expected.data else None,
                key=key,
            )
            try:
                movement, repeated = services.send(current_actor(), item, data)
            except Refused as refused:
                db.session.rollback()
                if refused.code not in FORM_ERRORS:
                    flash(refused.say(REFUSED[refused.code]), "error")
                    return redirect_to(item_url(kind, item_id))
                form.to_post.errors.append(refused.say(REFUSED[refused.code]))
                status = 400
            else:
                db.session.commit()
                if repeated:
                    flash(_("This was already sent; it was not sent twice."), "info")
                else:
                    flash(
                        _(
                            "%(number)s sent to %(post)s.",
                            number=item.number,
                            post=movement.to_post.designation,
                        ),
                        "success",
                    )
                return redirect_to(url_for("movement.inbox"))
        else:
            status = 400
    narrowing = request.form.get("action") == "find" and _narrows(q)
    options = services.recipients(current_actor(), q) if narrowing else everyone
    if narrowing and options:
        form.to_post.data = str(options[0].id)
    selected = to_int(form.to_post.data)
    return render_template(
        "movement/send.html",
        selected=selected,
        form=form,
        item=item,
        kind=kind,
        number=item.number,
        options=options,
        suggested=suggested,
        no_match=narrowing and not options,
        copy_q=copy_q,
        copy_posts=copy_posts,
        copies_chosen=set(form.copies.data or []),
    ), status


@bp.post("/movements/<int:movement_id>/pull-back")
@login_required
def pull_back(movement_id: int):
    movement = db.session.get(Movement, movement_id)
    if movement is None or current_actor().charge_for(movement.from_post_id) is None:
        abort(404)
    try:
        item = services.pull_back(current_actor(), movement)
    except Refused as refused:
        db.session.rollback()
        flash(str(REFUSED[refused.code]), "error")
        return redirect_to(url_for("movement.sent"))
    db.session.commit()
    flash(_("%(number)s is back with you.", number=item.number), "success")
    return redirect_to(url_for("movement.inbox"))


@bp.get("/<any(file, receipt):kind>/<int:item_id>/track")
@login_required
def track(kind: str, item_id: int):
    item = _visible(kind, item_id)
    hops = services.track(item)
    return render_template(
        "movement/track.html",
        item=item,
        kind=kind,
        number=item.number,
        hops=hops,
        steps=paper.timeline(item, hops) if kind == "file" and item.paper_post_id else [],
        paper_how=PAPER_HOW,
        reminders=reminders_on(item),
    )


#: how a paper volume changed hands
PAPER_HOW = {
    "registered": _l("registered, label printed"),
    "qr": _l("received (label scanned)"),
    "typed": _l("received (number typed)"),
}


# --- the physical file register (paper that still moves) --------------------------------


def _paper_file(file_id: int) -> File:
    f = db.session.get(File, file_id)
    if f is None or not paper.may_see(current_actor(), f):
        abort(404)
    return f


@bp.route("/files/<int:file_id>/paper", methods=["GET", "POST"], endpoint="paper")
@login_required
def paper_page(file_id: int):
    """Where the label's QR leads (a phone's camera opens it): the file's number, where its
    paper volume is, and "मेरे द्वारा प्राप्त". POST records the hand-over."""
    f = _paper_file(file_id)
    if request.method == "POST":
        how = request.form.get("how", "qr")
        try:
            move = paper.receive(current_actor(), f, how)
        except Refused as refused:
            db.session.rollback()
            flash(refused.say(paper.REFUSED[refused.code]), "error")
        else:
            db.session.commit()
            if move is None:
                flash(_("The paper volume is already with you."), "info")
            else:
                flash(_("Recorded: the paper volume of %(number)s is with you (%(post)s).",
                        number=f.number, post=current_actor().post.designation), "success")  # fmt: skip
        return redirect_to(url_for("movement.paper", file_id=f.id))
    me = current_actor()
    return render_template(
        "movement/paper.html",
        file=f,
        may_open=can_open(me, f),
        with_me=me.post is not None and f.paper_post_id == me.post.id,
        holder=me.charge_for(f.holder_post_id) is not None,
    )


@bp.post("/files/<int:file_id>/paper/register")
@login_required
def paper_register(file_id: int):
    f = _paper_file(file_id)
    try:
        paper.register(current_actor(), f)
    except Refused as refused:
        db.session.rollback()
        flash(refused.say(paper.REFUSED[refused.code]), "error")
    else:
        db.session.commit()
        flash(
            _("The paper volume is registered. Print its label and paste it on the cover."),
            "success",
        )
    return redirect_to(url_for("movement.paper", file_id=f.id))


@bp.get("/paper")
@login_required
def paper_desk():
    """The paper volumes with me (their labels as one PDF), and a file's paper found by typing
    its number (for a label that will not scan)."""
    me = current_actor()
    number = request.args.get("number", "")
    if number:
        f = paper.by_number(me, number)
        if f is not None:
            return redirect(url_for("movement.paper", file_id=f.id))
        flash(
            _("No file of this district has the number %(number)s.", number=number[:120]), "error"
        )
    return render_template(
        "movement/paper_desk.html", files=paper.paper_files(me), number=number[:120]
    )


@bp.get("/paper/labels.pdf")
@login_required
def paper_labels():
    """Cover labels: the files named (?file=…, the registered paper volumes the user may
    open), or every registered paper volume with the user's posts."""
    me = current_actor()
    asked = request.args.getlist("file")[: paper.MAX_LABELS]
    ids = [i for i in (to_int(v) for v in asked) if i]
    if asked:
        files = [f for f in db.session.scalars(select(File).where(File.id.in_(ids)).order_by(File.id))
                 if f.paper_post_id is not None and can_open(me, f)]  # fmt: skip
    else:
        files = paper.paper_files(me)
    if not files:
        abort(404)
    return printed(lambda: paper.labels_pdf(files), "labels.pdf", url_for("movement.paper_desk"))
