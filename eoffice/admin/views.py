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
from flask_login import current_user
from sqlalchemy import select

from eoffice.access import roles
from eoffice.admin import staff
from eoffice.admin.models import StaffImport
from eoffice.errors import Refused
from eoffice.extensions import db
from eoffice.hostile import db_int
from eoffice.htmx import redirect_to
from eoffice.locks import heavy_slot
from eoffice.org.models import Office, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMINS = (Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN)
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


def _import_or_404(import_id: int) -> StaffImport:
    imp = db.session.get(StaffImport, import_id)
    if imp is None or imp.office not in offices_i_keep():
        abort(404)
    return imp


@bp.get("/")
@roles(*ADMINS)
def index():
    return render_template("admin/index.html")


@bp.route("/staff/import", methods=["GET", "POST"])
@roles(*ADMINS)
def staff_import():
    offices = offices_i_keep()
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
                imp = staff.preview(upload.read(), upload.filename, office, current_user)
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
    if imp.status == "applied":  # a second click on a slow link
        flash(_("This list was imported already."), "info")
        return redirect_to(url_for("admin.staff_import_show", import_id=imp.id))
    counts = staff.apply(imp, current_user)
    db.session.commit()
    flash(
        _(
            "Imported: %(new)d new users, %(update)d updated, %(posts)d posts created; "
            "%(error)d rows with errors left out.",
            **counts,
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
