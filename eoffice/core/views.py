"""Language switch and error pages: shared by every domain."""

import contextlib

import psycopg
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from eoffice.platform import storage
from eoffice.platform.extensions import db
from eoffice.policy.routes import public, public_static
from eoffice.web.htmx import is_htmx
from eoffice.web.i18n import remember_language
from eoffice.web.urls import safe_next

bp = Blueprint("core", __name__)


@bp.post("/language")
@public
def set_language():
    lang = request.form.get("lang")
    target = safe_next(request.form.get("next")) or url_for("org.home")
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return remember_language(redirect(target), lang)


@bp.get("/health")
@public_static
def health():
    """For the monitor (and nginx's upstream check): the database answers, and the job worker
    has sent a heartbeat within three minutes. 200 when both hold, 503 otherwise; plain JSON
    with nothing private in it."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from eoffice.platform.jobs import worker_state

    try:
        db.session.execute(text("SELECT 1"))
        worker, beat = worker_state()
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database, worker, beat = "down", "unknown", None
    ok = database == "ok" and worker == "ok"
    body = {
        "database": database,
        "worker": worker,
        "worker_last_heartbeat": beat.isoformat() if beat else None,
    }
    resp = jsonify(body)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _error_page(code: int):
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code), code


def _has_get_page(path: str) -> bool:
    try:
        current_app.url_map.bind("").match(path, method="GET")
        return True
    except (NotFound, MethodNotAllowed):
        return False
    except HTTPException:  # e.g. a redirect for a trailing slash: a page exists
        return True


def handle_csrf_error(err: CSRFError):
    """A missing, foreign or stale token: send the user back to the form, told why."""
    db.session.rollback()
    flash(
        _(
            "This form had expired or came from another window. Nothing was saved; please try again."
        ),
        "error",
    )
    if is_htmx():
        return _error_page(400)
    target = request.path if _has_get_page(request.path) else url_for("auth.login")
    return redirect(target)


def handle_http_error(err: HTTPException):
    if err.code is None or err.code < 400:
        return err
    return _error_page(
        err.code if err.code in (403, 404, 413, 429) else 400 if err.code < 500 else 500
    )


#: SQLSTATEs of a server going away or not there yet: shut down by an administrator or a
#: crash, starting up or in recovery, and a standby's refusal to write (a failover under way)
SERVER_AWAY = {"57P01", "57P02", "57P03", "25006"}


def _database_gone(err: Exception) -> bool:
    """The database could not be reached or dropped the connection (a restart, a failover).
    Not a statement that failed on a working server: a statement timeout, a deadlock or a
    serialization failure are OperationalErrors too, and are not the server restarting."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(err, DBAPIError):
        return False
    if err.connection_invalidated:
        return True
    state = getattr(err.orig, "sqlstate", None)
    if state is None:  # no answer from a server at all: refused, reset, timed out
        return isinstance(err.orig, psycopg.OperationalError)
    return state.startswith("08") or state in SERVER_AWAY


def _database_unavailable():
    """A 503 "try again" page that asks nothing of the database: no user, no office, the
    language from the cookie alone (the usual page would load the user and fail again)."""
    from flask_babel import force_locale

    from eoffice.web.i18n import LANG_COOKIE

    lang = request.cookies.get(LANG_COOKIE)
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    # rendered without the context processors: Flask-Login's loads the user
    with force_locale(lang):
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        body = template.render(lang=lang, request=request)
    resp = current_app.response_class(body, 503)
    resp.headers["Content-Language"] = lang  # set here: the usual way asks for the user
    resp.headers["Retry-After"] = "30"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def handle_exception(err: Exception):
    with contextlib.suppress(Exception):  # the connection may be gone with the server
        db.session.rollback()
    if isinstance(err, storage.StoreUnavailable):  # nothing of this request was committed
        current_app.logger.warning("file store unavailable: %s", err)
        return _error_page(503)
    if _database_gone(err):
        current_app.logger.warning("database unavailable: %s", str(err).splitlines()[0])
        return _database_unavailable()
    current_app.logger.exception("unhandled error")
    return _error_page(500)
