"""Administration screens: staff import (preview, confirm, slips). Plain POST + redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.admin import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.admin import legacy, setup, staff
from eoffice.admin.models import LegacyImport, StaffImport
from eoffice.auth.services import live_sessions
from eoffice.documents.messages import REJECTED
from eoffice.files.models import SubjectHead
from eoffice.mailroom import services as mail
from eoffice.mailroom.imap import MailboxError
from eoffice.org.current import current_actor
from eoffice.org.models import FILE_NUMBER_PATTERN, Office, Post, PostHolding, Role, User
from eoffice.org.services import find_posts, person_matches
from eoffice.platform import jobs
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.jobs import worker_state
from eoffice.platform.locks import heavy_slot
from eoffice.platform.text import clean_line
from eoffice.policy.roles import roles_that
from eoffice.policy.routes import roles
from eoffice.records import services as records
from eoffice.web.changes import attempt
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import redirect_to

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMINS = roles_that("administer")
#: posts offered on a user's page at once; others are found by a few letters
POST_CHOICES = 100
#: people listed on an office's users page at once; others are found by a few letters
USER_PAGE = 200
#: rows of the preview table on one page (2G): the errors are always listed in full first
PAGE_SIZE = 100


def offices_i_keep() -> list[Office]:
    """An office admin keeps their own office; the district admin every office of the district."""
    if current_user.role == Role.DISTRICT_ADMIN:
        return list(
            db.session.scalars(
                select(Office)
                .where(Office.district_id == current_user.office.district_id)
                .order_by(Office.id)
            )
        )
    return [current_user.office]


def _kept_or_404(model, ident: int):
    """A row of one of the offices the admin keeps (an import), or 404."""
    row = db.session.get(model, ident)
    if row is None or row.office not in offices_i_keep():
        abort(404)
    return row


def _import_or_404(import_id: int) -> StaffImport:
    return _kept_or_404(StaffImport, import_id)


@bp.get("/")
@roles(*ADMINS)
def index():
    return render_template("admin/index.html")


@bp.route("/staff/import", methods=["GET", "POST"])
@roles(*ADMINS)
def staff_import():
    offices = [o for o in offices_i_keep() if o.closed_at is None]
    error = None
    chosen = request.form.get("office", type=db_int) or current_user.office_id
    if request.method == "POST":
        office = next((o for o in offices if o.id == chosen), None)
        upload = request.files.get("file")
        if office is None:
            error = _("Choose one of your offices.")
        elif upload is None or not upload.filename:
            error = _("Choose the staff list file (.xlsx or .csv).")
        elif not heavy_slot(f"user:{current_user.id}", current_app.config["HEAVY_SLOTS"]):
            error = str(staff.MESSAGES["busy"])
        else:
            try:
                imp = staff.preview(
                    current_actor(),
                    upload.read(),
                    upload.filename,
                    office,
                    create_posts=request.form.get("create_posts") == "y",
                )
            except Refused as e:
                error = str(staff.MESSAGES.get(e.code, staff.MESSAGES["malformed"]))
            else:
                db.session.commit()
                return redirect_to(url_for("admin.staff_import_show", import_id=imp.id))
    recent = db.session.scalars(
        select(StaffImport)
        .where(StaffImport.office_id.in_([o.id for o in offices]))
        .order_by(StaffImport.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "admin/staff_import.html", offices=offices, chosen=chosen, error=error, recent=recent
    ), 400 if error else 200


@bp.get("/staff/imports/<int:import_id>")
@roles(*ADMINS)
def staff_import_show(import_id: int):
    imp = _import_or_404(import_id)
    page = max(1, request.args.get("page", 1, type=db_int) or 1)
    rows = imp.plan
    errors = [r for r in rows if r["action"] == "error"]
    return render_template(
        "admin/staff_import_show.html",
        imp=imp,
        counts=staff.summary(rows),
        errors=errors[:500],
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        page=page,
        page_size=PAGE_SIZE,
        message=staff.message,
        actions=staff.ACTIONS,
        slips=len(staff.slips_of(imp)) if imp.status == "applied" else 0,
        slips_per_pdf=staff.SLIPS_PER_PDF,
    )


@bp.post("/staff/imports/<int:import_id>/confirm")
@roles(*ADMINS)
def staff_import_confirm(import_id: int):
    imp = _import_or_404(import_id)
    imp = db.session.scalar(select(StaffImport).where(StaffImport.id == imp.id).with_for_update())
    if imp.status != "preview":  # a second click on a slow link
        flash(_("This list was imported already."), "info")
        return redirect_to(url_for("admin.staff_import_show", import_id=imp.id))
    counts = staff.summary(imp.plan)
    if counts["new"] + counts["update"] > staff.INLINE_ROWS or counts["new"] > staff.INLINE_NEW:
        from eoffice.platform import jobs

        imp.status = "queued"
        jobs.enqueue("apply_staff_import", "admin", import_id=imp.id, actor_id=current_user.id)
        db.session.commit()
        flash(_("The list is being imported. This page shows when it is done."), "info")
        return redirect_to(url_for("admin.staff_import_show", import_id=imp.id))
    counts = staff.apply(current_actor(), imp)
    db.session.commit()
    flash(
        _(
            "Imported: %(new)d new users, %(update)d updated, %(posts)d posts created; "
            "%(error)d rows with errors left out.",
            **counts,
        )
        + (
            " "
            + ngettext(
                "%(num)d person has no post yet.",
                "%(num)d people have no post yet.",
                counts["no_post"],
            )
            if counts["no_post"]
            else ""
        ),
        "success",
    )
    return redirect_to(url_for("admin.staff_import_show", import_id=imp.id))


@bp.get("/staff/imports/<int:import_id>/slips.pdf")
@roles(*ADMINS)
def staff_import_slips(import_id: int):
    from eoffice.admin.slips import slips_pdf

    imp = _import_or_404(import_id)
    part = request.args.get("part", 1, type=db_int)
    part = 1 if part is None else part  # a value beyond Postgres's integers is ignored
    n = staff.SLIPS_PER_PDF
    people = staff.slips_of(imp)[(part - 1) * n : part * n] if part >= 1 else []
    if not people:
        abort(404)
    pdf = slips_pdf(imp.office, people)
    # passwords: no cache of any kind keeps it, on a shared office PC or between
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="eoffice-slips-{imp.id}-{part}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# --- offices and what is in them --------------------------------------------------------


def _office_or_404(office_id: int) -> Office:
    office = next((o for o in offices_i_keep() if o.id == office_id), None)
    if office is None:
        abort(404)
    return office


@bp.route("/offices", methods=["GET", "POST"])
@roles(*ADMINS)
def offices():
    if current_user.role != Role.DISTRICT_ADMIN:  # an office admin keeps one office
        if request.method == "POST":
            abort(403)
        return redirect_to(url_for("admin.office", office_id=current_user.office_id))
    error = None
    if request.method == "POST":
        office, error = attempt(
            lambda: setup.save_office(current_actor(), None, request.form), setup.message
        )
        if error is None:
            flash(_("Office %(name)s created.", name=office.name), "success")
            return redirect_to(url_for("admin.office", office_id=office.id))
    return render_template(
        "admin/offices.html", offices=offices_i_keep(), kinds=setup.KINDS, error=error,
        form=request.form, pattern=FILE_NUMBER_PATTERN,
    ), 400 if error else 200  # fmt: skip


def _office_page(office: Office, errors: dict[str, str] | None = None, form=None, status=200):
    from eoffice.files.models import SubjectHead
    from eoffice.movement.models import Holiday, RouteTemplate, TimeLimit
    from eoffice.receipts.models import ReceiptCategory

    posts = db.session.scalars(
        select(Post)
        .where(Post.office_id == office.id, Post.is_active.is_(True))
        .options(selectinload(Post.holdings).joinedload(PostHolding.user))
        .order_by(Post.rank, Post.id)
    ).all()
    categories = db.session.scalars(
        select(ReceiptCategory)
        .where(ReceiptCategory.office_id == office.id)
        .order_by(ReceiptCategory.id)
    ).all()
    limits = {
        (t.category_id, t.priority): t.working_days
        for t in db.session.scalars(select(TimeLimit).where(TimeLimit.office_id == office.id))
    }
    routes = {
        r.category_id: r
        for r in db.session.scalars(
            select(RouteTemplate)
            .where(RouteTemplate.office_id == office.id)
            .options(selectinload(RouteTemplate.steps))
        )
    }
    holidays = db.session.scalars(
        select(Holiday)
        .where(
            Holiday.district_id == office.district_id,
            (Holiday.office_id == office.id) | Holiday.office_id.is_(None),
            Holiday.on >= today().replace(month=1, day=1),
        )
        .order_by(Holiday.on)
    ).all()
    pattern = (form or {}).get("file_number_pattern") or office.file_number_pattern
    try:
        preview = setup.preview_number(office, setup.check_pattern(pattern))
    except Refused:
        preview = False  # a pattern that is no pattern: its form says why
    from eoffice.files.models import LetterTemplate

    return render_template(
        "admin/office.html",
        office=office,
        templates=db.session.scalars(
            select(LetterTemplate)
            .where(LetterTemplate.office_id == office.id)
            .order_by(LetterTemplate.id)
        ).all(),
        posts=posts,
        heads=db.session.scalars(
            select(SubjectHead).where(SubjectHead.office_id == office.id).order_by(SubjectHead.id)
        ).all(),
        categories=categories,
        limits=limits,
        routes=routes,
        holidays=holidays,
        kinds=setup.KINDS,
        errors=errors or {},
        form=form or {},
        pattern=pattern,
        preview=preview,
        district_admin=current_user.role == Role.DISTRICT_ADMIN,
    ), status


def _act(office: Office, key: str, change, *, form=None, done=None, to=None):
    """Run one change of an office's setup: on a refusal the office page again with the
    message by that form (and what was typed), else commit, say so and go back."""
    error = attempt(change, setup.message)[1]
    if error is not None:
        return _office_page(office, {key: error}, form, 400)
    flash((done() if callable(done) else done) or _("Saved."), "success")
    return redirect_to(to or url_for("admin.office", office_id=office.id) + f"#{key}")


def _get_or_404(model, ident: int):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


@bp.get("/offices/<int:office_id>")
@roles(*ADMINS)
def office(office_id: int):
    office = _office_or_404(office_id)
    return _office_page(
        office, form=request.args if "file_number_pattern" in request.args else None
    )


#: what the office page's forms change: (service, its message on success)
CHANGES = {
    "details": lambda actor, office, form: setup.save_office(actor, office, form),
    "sections": setup.add_section,
    "posts": setup.add_post,
    "dak_desk": setup.set_dak_desk,
    "record_desk": setup.set_record_desk,
    "heads": setup.add_head,
    "categories": setup.add_category,
    "routes": setup.set_route,
    "templates": lambda actor, office, form: setup.save_template(
        actor,
        office,
        form,
        district_wide=form.get("district_wide") == "y" and actor.role == Role.DISTRICT_ADMIN,
    ),
    "holidays": lambda actor, office, form: setup.add_holiday(
        actor,
        office,
        form,
        district_wide=form.get("district_wide") == "y" and actor.role == Role.DISTRICT_ADMIN,
    ),
}


@bp.post("/offices/<int:office_id>/<what>")
@roles(*ADMINS)
def office_change(office_id: int, what: str):
    office = _office_or_404(office_id)
    if what == "holidays-csv":
        upload = request.files.get("file")
        added = []
        wide = request.form.get("district_wide") == "y" and current_user.role == Role.DISTRICT_ADMIN

        def load():
            data = upload.read(200_000) if upload else b""
            added.append(setup.import_holidays(current_actor(), office, data, district_wide=wide))

        return _act(office, "holidays", load, form=request.form,
                    done=lambda: _("%(n)d holidays added.", n=added[0]))  # fmt: skip
    change = CHANGES.get(what)
    if change is None:
        abort(404)
    return _act(
        office, what, lambda: change(current_actor(), office, request.form), form=request.form
    )


@bp.route("/masters/<kind>/<int:item_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def master(kind: str, item_id: int):
    """Correct, rename or retire a section, subject head or category (one screen for each)."""
    if kind not in setup.MASTERS:
        abort(404)
    item = _get_or_404(setup.MASTERS[kind][0], item_id)
    office = _office_or_404(item.office_id)
    error = None
    if request.method == "POST":
        action = request.form.get("action", "edit")
        if action not in ("edit", "retire", "restore"):
            abort(400)
        _done, error = attempt(
            lambda: (
                setup.edit_master(current_actor(), kind, item, request.form)
                if action == "edit"
                else setup.retire_master(current_actor(), kind, item, action == "retire")
            ),
            setup.message,
        )
        if error is None:
            flash(_("Saved."), "success")
            return redirect_to(url_for("admin.office", office_id=office.id) + f"#{_ANCHORS[kind]}")
    return render_template(
        "admin/master.html", kind=kind, item=item, office=office, error=error,
        form=request.form if error else {},
        sections=[s for s in office.sections if s.retired_at is None or s.id == getattr(item, "section_id", None)],
    ), 400 if error else 200  # fmt: skip


_ANCHORS = {"section": "sections", "head": "heads", "category": "categories"}


@bp.post("/routes/<int:route_id>/remove")
@roles(*ADMINS)
def route_remove(route_id: int):
    from eoffice.movement.models import RouteTemplate

    route = _get_or_404(RouteTemplate, route_id)
    office = _office_or_404(route.office_id)
    setup.remove_route(current_actor(), route)
    db.session.commit()
    flash(_("Route removed."), "success")
    return redirect_to(url_for("admin.office", office_id=office.id) + "#routes")


@bp.post("/offices/<int:office_id>/close")
@roles(Role.DISTRICT_ADMIN)
def office_close(office_id: int):
    office = _office_or_404(office_id)
    return _act(
        office, "close", lambda: setup.close_office(current_actor(), office),
        done=_("The office %(name)s is closed.", name=office.name), to=url_for("admin.offices"),
    )  # fmt: skip


@bp.post("/posts/<int:post_id>/abolish")
@roles(*ADMINS)
def post_abolish(post_id: int):
    post = _get_or_404(Post, post_id)
    office = _office_or_404(post.office_id)
    return _act(
        office, "posts", lambda: setup.abolish_post(current_actor(), post),
        done=_("The post %(post)s is abolished.", post=post.designation),
    )  # fmt: skip


@bp.post("/categories/<int:category_id>/limits")
@roles(*ADMINS)
def category_limits(category_id: int):
    from eoffice.receipts.models import ReceiptCategory

    category = _get_or_404(ReceiptCategory, category_id)
    office = _office_or_404(category.office_id)
    return _act(
        office, "categories", lambda: setup.set_limit(current_actor(), office, category, request.form),
        form=request.form,
    )  # fmt: skip


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def template(template_id: int):
    from eoffice.files.models import LetterTemplate

    t = _get_or_404(LetterTemplate, template_id)
    office = _office_or_404(t.office_id)
    error = None
    if request.method == "POST":
        if request.form.get("remove") == "1":
            error = attempt(lambda: setup.remove_template(current_actor(), t), setup.message)[1]
        else:
            error = attempt(
                lambda: setup.save_template(current_actor(), office, request.form, t),
                setup.message,
            )[1]
        if error is None:
            flash(_("Saved."), "success")
            return redirect_to(url_for("admin.office", office_id=office.id) + "#templates")
    return render_template(
        "admin/template.html", t=t, office=office, error=error, form=request.form
    ), 400 if error else 200


@bp.route("/holidays/<int:holiday_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def holiday(holiday_id: int):
    from eoffice.movement.models import Holiday

    h = _get_or_404(Holiday, holiday_id)
    office = _office_or_404(h.office_id or current_user.office_id)
    if h.district_id != office.district_id:
        abort(404)
    if h.office_id is None and current_user.role != Role.DISTRICT_ADMIN:
        abort(403)  # a district-wide holiday is the district admin's
    error = None
    if request.method == "POST":
        error = attempt(
            lambda: setup.edit_holiday(current_actor(), h, request.form), setup.message
        )[1]
        if error is None:
            flash(_("Saved."), "success")
            return redirect_to(url_for("admin.office", office_id=office.id) + "#holidays")
    return render_template(
        "admin/holiday.html", h=h, office=office, error=error, form=request.form
    ), 400 if error else 200


@bp.post("/holidays/<int:holiday_id>/remove")
@roles(*ADMINS)
def holiday_remove(holiday_id: int):
    from eoffice.movement.models import Holiday

    holiday = _get_or_404(Holiday, holiday_id)
    office = _office_or_404(holiday.office_id or current_user.office_id)
    if holiday.office_id is None and current_user.role != Role.DISTRICT_ADMIN:
        abort(403)  # a district-wide holiday is the district admin's
    if holiday.district_id != office.district_id:
        abort(404)
    setup.remove_holiday(current_actor(), holiday)
    db.session.commit()
    flash(_("Holiday removed."), "success")
    return redirect_to(url_for("admin.office", office_id=office.id) + "#holidays")


# --- users ----------------------------------------------------------------------------


@bp.route("/offices/<int:office_id>/users", methods=["GET", "POST"])
@roles(*ADMINS)
def users(office_id: int):
    office = _office_or_404(office_id)
    error = None
    if request.method == "POST":
        made, error = attempt(
            lambda: setup.create_user(current_actor(), office, request.form), setup.message
        )
        if error is None:
            return _slip(*made)
    without_post = request.args.get("without_post") == "1"
    q = clean_line(request.args.get("q"))[:100]
    query = (
        select(User)
        .where(User.office_id == office.id)
        .options(selectinload(User.holdings).joinedload(PostHolding.post))
        .order_by(User.is_enabled.desc(), User.name_hi, User.login_id)
    )
    if without_post:
        current = select(PostHolding.user_id).where(PostHolding.until.is_(None))
        query = query.where(User.is_enabled, User.id.not_in(current))
    if q:
        query = query.where(person_matches(q))
    people = db.session.scalars(query.limit(USER_PAGE + 1)).all()
    return render_template(
        "admin/users.html", office=office, people=people[:USER_PAGE], more=len(people) > USER_PAGE,
        error=error, form=request.form, without_post=without_post, q=q,
        roles=[r for r in Role if r != Role.DISTRICT_ADMIN or current_user.role == r],
    ), 400 if error else 200  # fmt: skip


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    _office_or_404(user.office_id)
    return user


def _slip(user: User, password: str):
    """The one-time password, shown once: a printable slip, never cached, never redirected to."""
    resp = Response(render_template("admin/slip.html", user=user, password=password))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/users/<int:user_id>")
@roles(*ADMINS)
def user(user_id: int):
    return _user_page(_user_or_404(user_id))


def _user_page(user: User, error: str | None = None, status: int = 200):
    """The user's page: facts, charges, and the posts a charge can be given of — the user's
    office's, or (the district admin) any office's found by a few letters."""
    q = clean_line(request.args.get("q"))[:100]
    kept = [o.id for o in offices_i_keep() if o.closed_at is None]
    posts = find_posts(kept if q else [user.office_id], q, limit=POST_CHOICES)
    return render_template(
        "admin/user.html",
        user=user,
        posts=posts,
        q=q,
        other_offices=len(kept) > 1,
        post_choices=POST_CHOICES,
        error=error,
        roles=[r for r in Role if r != Role.DISTRICT_ADMIN or current_user.role == r],
        live_sessions=len(live_sessions(user.id)),
    ), status


@bp.post("/users/<int:user_id>/<action>")
@roles(*ADMINS)
def user_change(user_id: int, action: str):
    user = _user_or_404(user_id)
    if user.role == Role.DISTRICT_ADMIN and current_user.role != Role.DISTRICT_ADMIN:
        abort(403)  # an office admin does not reset the nodal officer's password
    try:
        if action == "reset":
            password = setup.reset_password(current_actor(), user)
            db.session.commit()
            return _slip(user, password)
        elif action == "disable" and request.form.get("confirm") != "1":
            return render_template(  # say what stays with the posts, then act
                "admin/user_disable.html", user=user, held=setup.still_held(user)
            )
        elif action in ("disable", "enable"):
            setup.set_enabled(current_actor(), user, action == "enable")
        elif action == "edit":
            setup.edit_user(current_actor(), user, request.form)
        elif action == "unlock":
            setup.unlock(current_actor(), user)
        elif action == "end_sessions":
            setup.end_sessions(current_actor(), user)
        elif action == "charge":
            setup.give_charge(current_actor(), user, request.form, [o.id for o in offices_i_keep()])
        elif action == "withdraw":
            holding_id = request.form.get("holding", type=db_int)
            holding = next((h for h in user.current_holdings if h.id == holding_id), None)
            if holding is None:
                abort(404)
            setup.withdraw_charge(current_actor(), holding)
        else:
            abort(404)
    except Refused as e:
        db.session.rollback()
        return _user_page(user, setup.message(e), 400)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect_to(url_for("admin.user", user_id=user.id))


# --- roll-out readiness and training ----------------------------------------------------

#: who sees readiness: the nodal officer, office admins, and officers (the DM and the
#: collectorate's officers see the district; other officers their own office)
READINESS = roles_that("see_readiness")


def readiness_offices() -> list[Office]:
    if current_user.role == Role.DISTRICT_ADMIN or (
        current_user.role == Role.OFFICER and current_user.office.kind == "collectorate"
    ):
        return list(
            db.session.scalars(
                select(Office)
                .where(
                    Office.district_id == current_user.office.district_id,
                    Office.closed_at.is_(None),
                )
                .order_by(Office.id)
            )
        )
    return [current_user.office]


@bp.get("/readiness")
@roles(*READINESS)
def readiness_page():
    from eoffice.admin import readiness

    sort = request.args.get("sort")
    rows = readiness.sort_rows(readiness.readiness(readiness_offices()), sort)
    from eoffice.ops import backup

    return render_template(
        "admin/readiness.html",
        rows=rows,
        columns=readiness.COLUMNS,
        sort=sort,
        last_backup=backup.last_run() if current_user.role == Role.DISTRICT_ADMIN else None,
        backups_on=bool(current_app.config.get("BACKUP_DIR")),
        worker=worker_state() if current_user.role == Role.DISTRICT_ADMIN else None,
    )


@bp.get("/readiness<any('.csv', '.pdf'):fmt>")
@roles(*READINESS)
def readiness_out(fmt: str):
    """The readiness counts as a CSV (Excel) or a Hindi PDF."""
    from eoffice.admin import readiness
    from eoffice.reports.periodic_views import table_out
    from eoffice.reports.tables import Table
    from eoffice.web.i18n import format_day

    rows = readiness.readiness(readiness_offices())
    header = [_("Office"), _("Staff")]
    for _key, label in readiness.COLUMNS:
        header += [str(label), _("of")]
    body = []
    for r in rows:
        line = [r.office.name if r.office else _("Whole district"), r.staff]
        for key, _label in readiness.COLUMNS:
            line += [r.counts.get(key, 0), r.of(key)]
        body.append(line)
    caption = _("as of %(date)s", date=format_day(today(), "long"))
    table = Table(_("Roll-out readiness"), caption, header, body[:-1], body[-1])
    return table_out(fmt, table, "readiness", "")


@bp.get("/readiness/names", defaults={"fmt": ""})
@bp.get("/readiness/names<any('.csv', '.pdf'):fmt>")
@roles(*READINESS)
def readiness_names(fmt: str):
    """Who is not ready, by name (with post and office): the page, a CSV and a Hindi PDF for
    the DM's weekly review, on paper."""
    from eoffice.admin import readiness
    from eoffice.reports.periodic_views import table_out
    from eoffice.reports.tables import Table
    from eoffice.web.i18n import format_day

    offices = readiness_offices()
    chosen = request.args.get("office", type=db_int)
    if chosen is not None:
        offices = [o for o in offices if o.id == chosen]
        if not offices:
            abort(404)
    gaps = dict(readiness.GAPS)
    gap = request.args.get("gap") if request.args.get("gap") in gaps else None
    people = readiness.names(offices, gap)
    shown = [(k, v) for k, v in readiness.GAPS if gap in (None, k)]
    caption = (
        _("as of %(date)s", date=format_day(today(), "long"))
        + " — "
        + (offices[0].name if len(offices) == 1 else _("Whole district"))
    )
    table = Table(
        str(gaps[gap]) if gap else _("Who is not ready yet"),
        caption,
        [_("Office"), _("Name"), _("Post"), _("Login ID"), _("Mobile"), *(str(v) for _k, v in shown)],
        [
            [p.office.name, p.user.name,
             ", ".join(h.post.designation for h in p.user.current_holdings) or _("no post"),
             p.user.login_id, p.user.mobile or "—",
             *(_("Yes") if k in p.gaps else "—" for k, _v in shown)]
            for p in people
        ],
    )  # fmt: skip
    return table_out(
        fmt, table, f"readiness-names-{today()}", "admin/readiness_names.html",
        offices=readiness_offices(), chosen=chosen, gap=gap, gaps=readiness.GAPS,
    )  # fmt: skip


@bp.route("/training", methods=["GET", "POST"])
@roles(*ADMINS)
def training():
    from eoffice.admin.models import TrainingSession

    offices = offices_i_keep()
    chosen = request.values.get("office", type=db_int) or current_user.office_id
    office = next((o for o in offices if o.id == chosen), offices[0])
    error = None
    if request.method == "POST":
        ts, error = attempt(
            lambda: setup.record_training(current_actor(), office, request.form), setup.message
        )
        if error is None:
            flash(_("Training recorded: %(n)d attended.", n=len(ts.attendees)), "success")
            return redirect_to(url_for("admin.training", office=office.id))
    people = db.session.scalars(
        select(User)
        .where(User.office_id == office.id, User.is_enabled.is_(True))
        .options(selectinload(User.holdings).joinedload(PostHolding.post))
        .order_by(User.name_hi, User.login_id)
    ).all()
    sessions = db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.office_id.in_([o.id for o in offices]))
        .options(selectinload(TrainingSession.attendees))
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "admin/training.html", offices=offices, office=office, people=people,
        sessions=sessions, error=error, form=request.form,
    ), 400 if error else 200  # fmt: skip


@bp.get("/training/<int:session_id>")
@roles(*ADMINS)
def training_session(session_id: int):
    """Who attended a session held: each told apart by post and login ID."""
    from eoffice.admin.models import TrainingSession

    ts = _get_or_404(TrainingSession, session_id)
    _office_or_404(ts.office_id)
    people = db.session.scalars(
        select(User)
        .where(User.id.in_([u.id for u in ts.attendees]))
        .options(selectinload(User.holdings).joinedload(PostHolding.post))
        .order_by(User.name_hi, User.login_id)
    ).all()
    return render_template("admin/training_session.html", ts=ts, people=people)


# --- the audit trail -------------------------------------------------------------------

AUDIT_PAGE = 50


@bp.get("/audit")
@roles(*ADMINS)
def audit_viewer():
    from eoffice.admin import auditview, auditwords
    from eoffice.platform.replica import read_session

    f = auditview.Filters.from_args(request.args)
    scope = [o.id for o in offices_i_keep()] if current_user.role != Role.DISTRICT_ADMIN else None
    s = read_session()  # the trail is the heaviest read: a replica serves it when there is one
    events, more = auditview.events(f, scope, limit=AUDIT_PAGE, s=s)
    return render_template(
        "admin/audit.html",
        f=f,
        events=events,
        more=more,
        names=auditwords.names_for(events, s),
        words=auditwords,
        actions=[(a, auditwords.ACTIONS.get(a, a)) for a in auditview.known_actions(s)],
        failed=auditview.failed_logins(f, scope, s=s) if not f.before else [],
        outcomes=LOGIN_OUTCOMES,
    )


#: why a login failed, in words
LOGIN_OUTCOMES = {
    "bad_password": _l("wrong password"),
    "unknown_user": _l("no such login ID"),
    "disabled": _l("deactivated user"),
    "throttled": _l("locked out: too many attempts"),
}


@bp.get("/audit.csv")
@roles(*ADMINS)
def audit_csv():
    from eoffice.admin import auditview, auditwords
    from eoffice.platform.clock import local
    from eoffice.platform.replica import read_session
    from eoffice.web.csvout import csv_response

    f = auditview.Filters.from_args(request.args)
    scope = [o.id for o in offices_i_keep()] if current_user.role != Role.DISTRICT_ADMIN else None
    s = read_session()
    events, _more = auditview.events(f, scope, limit=auditview.CSV_LIMIT, s=s)
    names = auditwords.names_for(events, s)
    return csv_response(
        ["id", _("When"), _("Who"), _("Action"), _("What happened"), _("Details"),
         _("Details as recorded"), "SHA-256"],
        (
            [
                e.id,
                local(e.at).strftime("%d-%m-%Y %H:%M:%S"),
                names.users.get(e.actor_user_id, ""),
                str(auditwords.ACTIONS.get(e.action, e.action)),
                auditwords.sentence(e, names),
                "; ".join(f"{k}: {v}" for k, v in auditwords.details(e, names)),
                auditview.details(e),
                e.hash,
            ]
            for e in events
        ),
        "audit.csv",
    )  # fmt: skip


@bp.route("/district", methods=["GET", "POST"])
@roles(Role.DISTRICT_ADMIN)
def district():
    d = current_user.office.district
    error = None
    if request.method == "POST":
        error = attempt(
            lambda: setup.save_district(current_actor(), d, request.form), setup.message
        )[1]
        if error is None:
            flash(_("Saved."), "success")
            return redirect_to(url_for("admin.district"))
    return render_template(
        "admin/district.html", d=d, error=error, form=request.form
    ), 400 if error else 200


SCHEDULE_REFUSED = {
    "category": _l("Choose the record category: A, B or C."),
    "years": _l("For category C, keep it for 1 to 10 years."),
    "other_office": _l("Choose a subject head and a post of this office."),
}


@bp.route("/offices/<int:office_id>/mailbox", methods=["GET", "POST"])
@roles(*ADMINS)
def mailbox(office_id: int):
    """The office's official mailbox, read by the job worker into the dak desk's email dak
    (eoffice/mailroom). The password is never shown again; blank keeps the saved one."""
    office = _office_or_404(office_id)
    error = None
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "save":
            try:
                mail.save_mailbox(current_actor(), office, request.form)
            except Refused as refused:
                db.session.rollback()
                error = refused.say(mail.REFUSED[refused.code])
            else:
                db.session.commit()
                flash(_("Saved the mailbox."), "success")
                return redirect_to(url_for("admin.mailbox", office_id=office.id))
        elif action == "try":
            mb = mail.mailbox_of(office)
            if mb is None:
                abort(404)
            if not heavy_slot(f"user:{current_user.id}", current_app.config["HEAVY_SLOTS"]):
                flash(str(REJECTED["busy"]), "error")  # a slow mail server holds no worker twice
            else:
                try:
                    waiting = mail.try_mailbox(mb)
                except MailboxError as e:
                    flash(str(mail.PROBLEMS[e.code]), "error")
                else:
                    flash(_("Connected: %(n)d unread messages waiting.", n=waiting), "success")
            return redirect_to(url_for("admin.mailbox", office_id=office.id))
        elif action == "check":
            jobs.enqueue("mail_check", "mail")
            db.session.commit()
            flash(_("The worker will read the mailbox now."), "success")
            return redirect_to(url_for("admin.mailbox", office_id=office.id))
        else:
            abort(400)
    return render_template(
        "admin/mailbox.html", office=office, mailbox=mail.mailbox_of(office), error=error,
        form=request.form if error else {}, problems=mail.PROBLEMS,
    ), 400 if error else 200  # fmt: skip


@bp.route("/offices/<int:office_id>/legacy", methods=["GET", "POST"])
@roles(*ADMINS)
def legacy_imports(office_id: int):
    """पुरानी पत्रावलियों का आयात: upload a ZIP of scanned old files with its index; the list of
    this office's imports (eoffice/admin/legacy.py)."""
    office = _office_or_404(office_id)
    error = None
    if request.method == "POST":
        upload = request.files.get("zip")
        data = upload.read() if upload else b""
        try:
            imp = legacy.start(current_actor(), office, data, upload.filename if upload else "")
        except Refused as refused:
            db.session.rollback()
            error = str(legacy.FAILED[refused.code])
        else:
            db.session.commit()
            flash(_("The ZIP is kept; the worker is checking its index."), "success")
            return redirect_to(url_for("admin.legacy_import", import_id=imp.id))
    imports = db.session.scalars(
        select(LegacyImport).where(LegacyImport.office_id == office.id)
        .order_by(LegacyImport.id.desc()).limit(50)
    ).all()  # fmt: skip
    return render_template(
        "admin/legacy.html", office=office, imports=imports, error=error, counts=legacy.counts,
        failed=legacy.FAILED, legacy_state=lambda s: legacy.STATES[s],
    ), 400 if error else 200  # fmt: skip


def _legacy_or_404(import_id: int) -> LegacyImport:
    return _kept_or_404(LegacyImport, import_id)


@bp.get("/legacy/<int:import_id>")
@roles(*ADMINS)
def legacy_import(import_id: int):
    imp = _legacy_or_404(import_id)
    return render_template(
        "admin/legacy_import.html", imp=imp, counts=legacy.counts(imp), errors=legacy.ROW_ERRORS,
        failed=legacy.FAILED, rejected=REJECTED, legacy_state=lambda s: legacy.STATES[s],
    )  # fmt: skip


@bp.post("/legacy/<int:import_id>/confirm")
@roles(*ADMINS)
def legacy_confirm(import_id: int):
    imp = _legacy_or_404(import_id)
    try:
        legacy.confirm(current_actor(), imp)
    except Refused as refused:
        db.session.rollback()
        flash(str(legacy.FAILED[refused.code]), "info")
    else:
        db.session.commit()
        flash(_("Importing: the worker brings the files in one by one."), "success")
    return redirect_to(url_for("admin.legacy_import", import_id=imp.id))


@bp.route("/offices/<int:office_id>/schedule", methods=["GET", "POST"])
@roles(*ADMINS)
def retention_schedule(office_id: int):
    """प्रतिधारण अनुसूची: per subject head, the category a closed file is suggested and the
    post that approves weeding it (eoffice/records)."""
    office = _office_or_404(office_id)
    if request.method == "POST":
        head = db.session.get(SubjectHead, to_int(request.form.get("head"), 0))
        approver_id = to_int(request.form.get("approver"))
        approver = db.session.get(Post, approver_id) if approver_id else None
        if head is None:
            abort(400)
        try:
            records.set_rule(
                current_actor(), office, head, request.form.get("category", "")[:1],
                to_int(request.form.get("years")), approver,
            )  # fmt: skip
        except Refused as refused:
            db.session.rollback()
            flash(str(SCHEDULE_REFUSED[refused.code]), "error")
        else:
            db.session.commit()
            flash(_("Saved the schedule for %(head)s.", head=head.name), "success")
        return redirect_to(
            url_for("admin.retention_schedule", office_id=office.id) + f"#head-{head.id}"
        )
    posts = [p for p in office.posts if p.is_active and p.may_approve]
    return render_template(
        "records/schedule.html", office=office, rows=records.schedule(office), posts=posts,
        default_approver=records.default_approver(office),
    )  # fmt: skip
