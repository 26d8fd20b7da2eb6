"""/status (स्थिति): a citizen's letter by diary number and mobile digits. No login, no script."""

from flask import Blueprint, render_template, request

from eoffice.citizens import notices as _notices  # noqa: F401  (registers its job handlers)
from eoffice.citizens import services
from eoffice.citizens import sms as _sms  # noqa: F401  (registers its job handlers)
from eoffice.citizens.forms import StatusForm
from eoffice.platform.extensions import db
from eoffice.policy.routes import public

bp = Blueprint("citizens", __name__)


@bp.route("/status", methods=["GET", "POST"])
@public
def status():
    """The form (prefilled from the पावती's QR: ?o=office&d=diary number) and its answer."""
    offices = services.public_offices()
    form = StatusForm()
    form.office.choices = [(0, "—")] + [(o.id, o.name) for o in offices]
    if request.method == "GET":
        form.office.data = form.office.coerce(request.args.get("o", ""))
        form.diary.data = (request.args.get("d") or "")[:60]
        form.key.data = (request.args.get("k") or "")[:12]
    if len(offices) == 1 and not form.office.data:
        form.office.data = offices[0].id
    if not form.validate_on_submit():
        return _page(form, status=422 if request.method == "POST" else 200)
    diary = services.parse_diary(form.diary.data)
    key = services.diary_key(form.office.data, diary)
    lifted = services.lifts_limit(form.office.data or None, diary, form.key.data)
    if not services.allow((request.remote_addr or "?")[:64], key, per_number=not lifted):
        db.session.commit()
        return _page(form, limited=True, status=429)
    receipt = services.find(
        form.office.data or None, diary, services.parse_digits(form.digits.data)
    )
    db.session.commit()  # the attempt counts, whatever was found
    if receipt is None:  # the same answer for a wrong number and for wrong digits
        return _page(form, not_found=True, status=404)
    return _page(form, s=services.status_of(receipt))


def _page(form, status=200, **kw):
    return render_template("citizens/status.html", form=form, **kw), status
