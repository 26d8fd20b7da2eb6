from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eoffice.access import login_required
from eoffice.auth.views import safe_next
from eoffice.extensions import db
from eoffice.org import services

bp = Blueprint("org", __name__)


@bp.get("/")
@login_required
def home():
    return render_template("org/home.html")


@bp.get("/office")
@login_required
def directory():
    offices = services.visible_offices()
    office_id = request.args.get("office", type=int)
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
    post_id = request.form.get("post_id", type=int)
    if post_id is None or not services.switch_post(post_id):
        flash(_("You do not hold that post."), "error")
    else:
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("org.home"))
