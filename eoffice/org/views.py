from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eoffice.org import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.org import services
from eoffice.org.current import current_actor
from eoffice.org.forms import DelegationForm, TransferForm
from eoffice.org.messages import CHARGE_REFUSED
from eoffice.org.models import Delegation, Post, Role, User
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line
from eoffice.policy.roles import roles_that
from eoffice.policy.routes import login_required, roles
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import redirect_to
from eoffice.web.urls import safe_next

bp = Blueprint("org", __name__)


@bp.get("/")
@login_required
def home():
    from eoffice.records.registers import pending_by_register
    from eoffice.reports.services import my_work
    from eoffice.tasks.services import my_task_counts

    actor = current_actor()
    return render_template(
        "org/home.html", work=my_work(actor), tasks=my_task_counts(actor),
        registers=pending_by_register(actor.post_ids),
    )  # fmt: skip


@bp.get("/office")
@login_required
def directory():
    offices = services.visible_offices(current_actor())
    office_id = request.args.get("office", type=db_int)
    office = next((o for o in offices if o.id == office_id), None) if office_id else g.office
    if office is None:
        abort(404)
    heads, sections = services.office_directory(office)
    return render_template(
        "org/directory.html", office=office, offices=offices, heads=heads, sections=sections
    )


@bp.post("/charge")
@login_required
def switch_post():
    post_id = request.form.get("post_id", type=db_int)
    if post_id is None or not services.switch_post(current_actor(), post_id):
        flash(_("You do not hold that post."), "error")
    else:
        session["post_id"] = post_id
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("org.home"))


DELEGATION_REFUSED = {
    "not_your_post": _l("You can delegate only a post you hold as a regular charge."),
    "self": _l("You cannot delegate a post to yourself."),
    "other_district": _l("Choose an active user of your district."),
    "past": _l("A delegation cannot start in the past."),
    "order": _l("The end date cannot be before the start date."),
    "too_long": _l("A delegation can last at most 180 days; a longer absence is a transfer."),
    "overlap": _l("This post is already delegated for some of those days."),
}


@bp.route("/charge/delegations", methods=["GET", "POST"])
@login_required
def delegations():
    posts = services.delegable_posts(current_actor())
    form = DelegationForm()
    form.post.choices = [(p.id, p.designation) for p in posts]
    q = clean_line(request.values.get("q"))[:100]
    users = services.delegate_choices(current_actor(), posts[0], q) if posts else []
    chosen = db.session.get(User, to_int(request.form.get("delegate")) or 0)
    if chosen is not None and chosen not in users and chosen.id != current_user.id:
        users.insert(0, chosen)  # found by an earlier search; the service checks who it is
    form.delegate.choices = [(0, _("Choose a user"))] + [
        (u.id, f"{u.label} ({u.office.name})") for u in users
    ]
    status = 200
    if posts and form.validate_on_submit():
        post = next(p for p in posts if p.id == form.post.data)
        chosen = db.session.get(User, form.delegate.data) if form.delegate.data else None
        if chosen is None:
            form.delegate.errors.append(_("Choose a user"))
            status = 400
        else:
            try:
                services.delegate(
                    current_actor(),
                    post,
                    chosen,
                    form.starts_on.data,
                    form.ends_on.data,
                    form.reason.data or None,
                )
            except services.Refused as refused:
                db.session.rollback()
                form.ends_on.errors.append(str(DELEGATION_REFUSED[refused.code]))
                status = 400
            else:
                db.session.commit()
                flash(
                    _("%(post)s handed over to %(name)s.", post=post.designation, name=chosen.name),
                    "success",
                )
                return redirect_to(url_for("org.delegations"))
    elif form.errors:
        status = 400
    return render_template(
        "org/delegations.html",
        form=form,
        q=q,
        posts=posts,
        items=services.my_delegations(current_actor()),
    ), status


@bp.post("/charge/delegations/<int:delegation_id>/revoke")
@login_required
def revoke_delegation(delegation_id: int):
    d = db.session.get(Delegation, delegation_id)
    if d is None:
        abort(404)
    try:
        services.revoke(current_actor(), d)
    except services.Refused:
        abort(404)
    db.session.commit()
    flash(_("The delegation has ended."), "success")
    return redirect_to(url_for("org.delegations"))


@bp.route("/office/posts/<int:post_id>/holder", methods=["GET", "POST"])
@roles(*roles_that("administer"))
def transfer(post_id: int):
    post = db.session.get(Post, post_id)
    if (
        post is None
        or post.office not in services.visible_offices(current_actor())
        and not (
            current_user.role == Role.OFFICE_ADMIN and post.office_id == current_user.office_id
        )
    ):
        abort(404)
    form = TransferForm()
    actor = current_actor()
    q = clean_line(request.values.get("q"))[:100]
    users = services.transfer_choices(actor, post, q)
    chosen = db.session.get(User, to_int(request.form.get("successor")) or 0)
    if services.may_hold(actor, post, chosen) and chosen not in users:
        users.insert(0, chosen)  # found by an earlier search: it stays chosen
    form.successor.choices = [(0, _("Nobody (the post falls vacant)"))] + [
        (u.id, f"{u.label} ({u.office.name})") for u in users
    ]
    if form.validate_on_submit():
        successor = db.session.get(User, form.successor.data) if form.successor.data else None
        if request.form.get("confirm") != "1":  # say what will happen, then act
            return render_template(
                "org/transfer_confirm.html", form=form, post=post, successor=successor
            )
        try:
            services.transfer(actor, post, successor)
        except services.Refused as refused:
            db.session.rollback()
            flash(refused.say(CHARGE_REFUSED[refused.code]), "error")
            return redirect_to(url_for("org.transfer", post_id=post.id))
        db.session.commit()
        flash(_("Charge of %(post)s updated.", post=post.designation), "success")
        return redirect_to(url_for("org.directory", office=post.office_id))
    return render_template(
        "org/transfer.html", form=form, post=post, q=q, found=len(users)
    ), 400 if form.errors else 200
