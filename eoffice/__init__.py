"""ई-ऑफिस: create_app() builds the Flask application."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eoffice.platform import config
from eoffice.platform.extensions import babel, compress, csrf, db, login_manager, migrate

MIGRATIONS = Path(__file__).parent / "migrations"

#: Sent on every response. htmx needs no inline script or eval (eoffice.web.htmx.CONFIG).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config.ROOT / "instance"),
        template_folder=str(config.ROOT / "templates"),
        static_folder=None,  # served by eoffice.web.assets under hashed names
    )
    app.config.update(config.load(Path(app.instance_path)))
    app.config["STATIC_DIR"] = str(config.ROOT / "static")
    app.config.update(overrides or {})
    from eoffice.web.hostile import IdConverter

    app.url_map.converters["int"] = IdConverter  # ids stay in Postgres's range: 404, not 500
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        from eoffice.platform.database import resolve_urls

        app.config["SQLALCHEMY_DATABASE_URI"], owner = resolve_urls(app.instance_path)
        app.config["OWNER_DATABASE_URI"] = app.config["OWNER_DATABASE_URI"] or owner

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from eoffice import cli

    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from eoffice.platform import replica
    from eoffice.platform.database import keep_prepared_statements
    from eoffice.web.i18n import install_date_filters, install_fast_gettext, select_locale

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            keep_prepared_statements(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    if app.config["PROXIES"]:  # behind nginx: the client's address for throttling and audit
        from eoffice.web.web_proxy import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app, app.config["PROXIES"], app.config["PROXY_ADDRESSES"]
        )
    babel.init_app(app, locale_selector=select_locale)
    install_fast_gettext(app)
    install_date_filters(app)
    compress.init_app(app)
    replica.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = None  # eoffice.auth.gate.enforce handles anonymous users

    # Every model module, so Alembic and the mapper see all tables.
    from eoffice.admin import models as _admin_models  # noqa: F401
    from eoffice.auth import models as _auth_models  # noqa: F401
    from eoffice.citizens import models as _citizen_models  # noqa: F401
    from eoffice.dispatch import models as _dispatch_models  # noqa: F401
    from eoffice.files import models as _file_models  # noqa: F401
    from eoffice.mailroom import models as _mail_models  # noqa: F401
    from eoffice.movement import models as _movement_models  # noqa: F401
    from eoffice.ops import backup as _backup  # noqa: F401
    from eoffice.org import models as _org_models  # noqa: F401
    from eoffice.platform import audit  # noqa: F401
    from eoffice.receipts import models as _receipt_models  # noqa: F401
    from eoffice.records import models as _record_models  # noqa: F401
    from eoffice.reports import rollup as _rollup  # noqa: F401
    from eoffice.signing import models as _signing_models  # noqa: F401
    from eoffice.tasks import models as _task_models  # noqa: F401

    @login_manager.user_loader
    def load_user(user_id: str):
        # Every signed-in request needs the user's charges, their posts and offices, and to know
        # whether the cookie's session is still live on the server (logout, a password change
        # or an administrator ends it, for every copy of the cookie): auth.services.signed_in.
        from flask import session

        from eoffice.auth.services import signed_in

        token = session.get("sid")
        if not isinstance(token, str) or not user_id.isdigit() or len(user_id) > 18:
            return None
        return signed_in(int(user_id), token)


def _register_blueprints(app: Flask) -> None:
    from eoffice.admin.views import bp as admin_bp
    from eoffice.auth.views import bp as auth_bp
    from eoffice.citizens.views import bp as citizens_bp
    from eoffice.core.views import bp as core_bp
    from eoffice.dispatch.views import bp as dispatch_bp
    from eoffice.files.letter_views import bp as letters_bp
    from eoffice.files.views import bp as files_bp
    from eoffice.mailroom.views import bp as mailroom_bp
    from eoffice.movement.views import bp as movement_bp
    from eoffice.ops import scheduled as _ops_jobs  # noqa: F401  (registers the scheduled jobs)
    from eoffice.org.views import bp as org_bp
    from eoffice.receipts.views import bp as receipts_bp
    from eoffice.records.views import bp as records_bp
    from eoffice.reports.views import bp as reports_bp
    from eoffice.search.views import bp as search_bp
    from eoffice.signing.views import bp as signing_bp
    from eoffice.tasks.views import bp as tasks_bp
    from eoffice.web import assets

    for bp in (
        assets.bp,
        core_bp,
        auth_bp,
        org_bp,
        receipts_bp,
        mailroom_bp,
        records_bp,
        files_bp,
        letters_bp,
        signing_bp,
        dispatch_bp,
        movement_bp,
        search_bp,
        reports_bp,
        citizens_bp,
        tasks_bp,
        admin_bp,
    ):
        app.register_blueprint(bp)
    app.extensions["eoffice_assets"] = assets.build_manifest(Path(app.config["STATIC_DIR"]))


def _register_hooks(app: Flask) -> None:
    from eoffice.auth.gate import enforce
    from eoffice.core import views as core_views
    from eoffice.nav import navigation
    from eoffice.org.current import charges, current_actor, load_actor, may
    from eoffice.policy import routes as access
    from eoffice.web import assets, hostile, htmx
    from eoffice.web.i18n import term

    app.session_interface = access.SessionInterface()
    app.before_request(hostile.guard)
    app.before_request(enforce)
    app.before_request(load_actor)
    app.after_request(htmx.add_vary)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: browsers must keep to it
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
            # the language of the page or fragment (screen readers, and the tests' checks); a
            # page that set its own (the database-away page) is not asked again
            if "Content-Language" not in response.headers:
                response.headers["Content-Language"] = get_locale().language
        return response

    from eoffice.movement.views import AGE_LABELS
    from eoffice.platform.clock import today as clock_today
    from eoffice.platform.items import item_url
    from eoffice.records.registers import KIND_WORDS as register_words
    from eoffice.records.registers import REGISTER_TITLES as register_titles
    from eoffice.records.services import label as records_label
    from eoffice.records.services import may_see_room
    from eoffice.reports.services import rollup_at
    from eoffice.search.services import kind_names as search_kind_names
    from eoffice.tasks.services import unseen_reminders

    app.register_error_handler(CSRFError, core_views.handle_csrf_error)
    app.register_error_handler(HTTPException, core_views.handle_http_error)
    app.register_error_handler(Exception, core_views.handle_exception)

    # Proxies as globals, so macros rendered alone (htmx fragments) see them too.
    from eoffice.web.fragments import kept_each
    from eoffice.web.htmx import CONFIG as htmx_config
    from eoffice.web.urls import url_for as cached_url_for

    app.jinja_env.globals.update(
        asset_url=assets.asset_url,
        url_for=cached_url_for,
        htmx_config=htmx_config,
        item_url=item_url,
        kept_each=kept_each,
        records_label=records_label,
        sees_record_room=lambda: may_see_room(current_actor()),
        register_kind=lambda kind: str(register_words[kind]),
        register_title=lambda group: str(register_titles[group]),
        term=term,
        navigation=navigation,
        get_locale=get_locale,
        request=request,
        current_user=current_user,
        charges=charges,
        actor=current_actor,
        may=may,
        kind_names=search_kind_names,
        age_labels=AGE_LABELS,
        today=clock_today,
        new_key=lambda: str(uuid.uuid4()),
        unseen_reminders=lambda: unseen_reminders(current_actor()),
        counted_at=lambda **kw: rollup_at(current_actor(), **kw),
    )
    # {% trans %} blocks: Flask-Babel added jinja2.ext.i18n, and web.i18n its callables (adding
    # the extension again here made a new one, which put Jinja's slower `_` back)

    @app.context_processor
    def current_context():
        return {"current_post": g.get("post"), "current_office": g.get("office")}
