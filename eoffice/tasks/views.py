"""/tasks (कार्य): give a task to a post, follow it, record progress and completion; and
/reminders: remind the holder of an overdue item (from the escalation list or the pendency
report), seen in the holder's inbox under अनुस्मारक."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.movement.services import KINDS
from eoffice.org.current import current_actor, open_or_404
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy.roles import roles_that
from eoffice.policy.routes import login_required, roles
from eoffice.tasks import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.tasks import services
from eoffice.tasks.forms import ProgressForm, ReminderForm, TaskForm
from eoffice.tasks.models import Task
from eoffice.web.hostile import form_key
from eoffice.web.htmx import redirect_to
from eoffice.web.urls import safe_next

bp = Blueprint("tasks", __name__)

GIVERS = roles_that("give_tasks")

REFUSED = {
    "no_post": _l("Choose the post you are acting as first."),
    "out_of_scope": _l("That desk is not one you oversee."),
    "past": _l("The date cannot be in the past."),
    "too_far": _l("Give a due date within a year."),
    "no_such_item": _l("No file or receipt you may open has this number."),
    "too_long": _l("The text is too long."),
    "already_today": _l("A reminder about this was already sent to this desk today."),
    "closed": _l("This task is already done."),
    "not_yours": _l("Only the holder of the post it was given to can record progress."),
    "empty": _l("Write what was done."),
}


# --- tasks ----------------------------------------------------------------------------------


@bp.get("/tasks")
@login_required
def index():
    given = request.args.get("by") == "me"
    tasks = (
        services.tasks_by_me(current_actor()) if given else services.tasks_for_me(current_actor())
    )
    return render_template("tasks/index.html", tasks=tasks, given=given)


@bp.route("/tasks/new", methods=["GET", "POST"])
@roles(*GIVERS)
def new():
    form = TaskForm()
    form.to_post.choices = [
        (p.id, f"{p.designation} — {p.office.name}")
        for p in services.assignable_posts(current_actor())
    ]
    if request.method == "GET":
        form.key.data = str(uuid.uuid4())
        form.number.data = (request.args.get("number") or "")[:120]
        return render_template("tasks/new.html", form=form)
    if form.validate_on_submit():
        try:
            item = (
                services.linked_item(current_actor(), form.number.data)
                if form.number.data
                else None
            )
            task = services.create_task(
                current_actor(),
                services.TaskInput(
                    title=form.title.data,
                    details=form.details.data or "",
                    to_post_id=form.to_post.data,
                    due_on=form.due_on.data,
                    item=item,
                ),
                form_key(form.key.data),
            )
        except Refused as refused:
            db.session.rollback()
            field = {"no_such_item": form.number, "past": form.due_on, "too_far": form.due_on}
            field.get(refused.code, form.to_post).errors.append(str(REFUSED[refused.code]))
        else:
            db.session.commit()
            flash(_("Task given to %(post)s.", post=task.to_post.designation), "success")
            return redirect_to(url_for("tasks.show", task_id=task.id))
    return render_template("tasks/new.html", form=form), 400


def _visible(task_id: int) -> Task:
    return open_or_404(Task, task_id)


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int):
    task = _visible(task_id)
    form = ProgressForm()
    form.key.data = str(uuid.uuid4())
    return render_template(
        "tasks/show.html", task=task, form=form, can_act=services.can_act(current_actor(), task)
    )


@bp.post("/tasks/<int:task_id>/progress")
@login_required
def progress(task_id: int):
    task = _visible(task_id)
    form = ProgressForm()
    done = request.form.get("action") == "done"
    if form.validate_on_submit():
        try:
            services.record_progress(
                current_actor(), task, form.remarks.data, done, form_key(form.key.data)
            )
        except Refused as refused:
            db.session.rollback()
            flash(str(REFUSED[refused.code]), "error")
            return redirect_to(url_for("tasks.show", task_id=task_id))
        db.session.commit()
        flash(_("Task marked done.") if done else _("Progress recorded."), "success")
        return redirect_to(url_for("tasks.show", task_id=task_id))
    return render_template(
        "tasks/show.html", task=task, form=form, can_act=services.can_act(current_actor(), task)
    ), 400


# --- reminders ------------------------------------------------------------------------------


@bp.post("/<any(file, receipt):kind>/<int:item_id>/remind")
@roles(*GIVERS)
def remind(kind: str, item_id: int):
    item = db.session.get(KINDS[kind], item_id)
    back = safe_next(request.form.get("next")) or url_for("movement.escalation")
    if item is None:
        abort(404)
    form = ReminderForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect_to(back)
    try:
        r = services.send_reminder(
            current_actor(), item, form.message.data or "", form_key(form.key.data)
        )
    except Refused as refused:
        db.session.rollback()
        if refused.code == "out_of_scope":
            abort(404)  # not theirs to see: the same answer as an unknown item
        flash(str(REFUSED[refused.code]), "error")
        return redirect_to(back)
    db.session.commit()
    flash(
        _(
            "Reminder about %(number)s sent to %(post)s.",
            number=item.number,
            post=r.to_post.designation,
        ),
        "success",
    )
    return redirect_to(back)


@bp.get("/inbox/reminders")
@login_required
def reminders():
    found = services.reminders_for_me(current_actor())
    page = render_template("tasks/reminders.html", reminders=found)
    services.mark_seen(found)  # shown once as new, then as seen
    db.session.commit()
    return page
