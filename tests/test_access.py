"""Every route declares who may use it; anonymous users reach only the public ones."""

import uuid

import pytest
from flask import Blueprint
from werkzeug.routing import UUIDConverter

from eoffice import create_app
from eoffice.org.models import Role
from eoffice.policy.routes import public, roles, rule_for
from tests import factories

#: The only routes an anonymous visitor may use. Adding one is a decision: change it here.
# the public verification of issued letters: no login by design (rate-limited)
PUBLIC = {
    "auth.login",
    "core.set_language",
    "assets.file",
    "assets.favicon",
    "dispatch.verify_start",
    "dispatch.verify",
    "dispatch.verify_pdf",
    "citizens.status",  # a citizen asks where their letter is (diary number + mobile digits)
    "core.health",  # the monitor: database and job worker, nothing private (200 or 503)
}


def _url(rule) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):  # /reports/monthly (fmt="") beside /reports/monthly.csv
            continue
        converter = rule._converters[name]
        options = getattr(converter, "items", None)  # <any(file, receipt):kind>
        if isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        else:
            values[name] = sorted(options)[0] if options else 1
    return rule.build(values, append_unknown=False)[1]


def test_every_route_declares_an_access_rule(app):
    with app.app_context():
        missing = [r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint) is None]
    assert not missing, f"routes without an access rule: {missing}"


def test_public_routes_are_exactly_the_known_ones(app):
    with app.app_context():
        found = {
            r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint).kind == "public"
        }
    assert found == PUBLIC


def test_anonymous_is_sent_to_login_everywhere_else(app, client):
    token = client.csrf("/login")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            resp = client.open(_url(rule), method=method, data={"csrf_token": token})
            assert resp.status_code == 302, (rule.endpoint, method, resp.status_code)
            assert resp.location.startswith("/login"), (rule.endpoint, resp.location)
            checked += 1
    assert checked >= 4


def test_htmx_requests_are_told_where_to_log_in(client):
    resp = client.get("/office", headers={"HX-Request": "true"})
    assert resp.status_code == 401 and resp.headers["HX-Redirect"].startswith("/login")


def test_undeclared_route_fails_closed_and_roles_are_enforced(server_uri, app, db):
    """On a separate app: a route without a rule is refused; a roles() rule admits only its roles."""
    other = create_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True}
    )
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/undeclared")
    def undeclared():
        return "should never be seen"

    @bp.get("/probe/admins")
    @roles(Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN)
    def admins():
        return "admins only"

    @bp.get("/probe/crash")
    @public
    def crash():
        raise RuntimeError("boom")

    other.register_blueprint(bp)
    from tests.conftest import Client

    c = Client(other.test_client())
    staff = factories.user(role=Role.STAFF)
    admin = factories.user(role=Role.OFFICE_ADMIN)
    c.login(staff.login_id, factories.PASSWORD)
    assert c.get("/probe/undeclared").status_code == 403
    soup = c.page("/probe/admins", status=403)
    assert soup.h1.get_text() == "आपको इस पृष्ठ तक पहुँच की अनुमति नहीं है।"
    c.submit("/logout", {}, form_page="/")
    c.login(admin.login_id, factories.PASSWORD)
    assert c.get("/probe/admins").get_data(as_text=True) == "admins only"
    soup = c.page("/probe/crash", status=500)
    assert "हमारी ओर से कुछ गड़बड़ हुई।" in soup.h1.get_text()


@pytest.mark.parametrize("login_id", ["clerk.revenue", "clerk.block"])
def test_a_user_sees_only_offices_the_rules_allow(client, demo, login_id):
    from sqlalchemy import select

    from eoffice.org.models import Office

    client.login(login_id)
    others = demo.session.scalars(select(Office.id)).all()
    soup = client.page("/office")
    own = soup.h1.get_text()
    for office_id in others:
        resp = client.get(f"/office?office={office_id}")
        # staff may see only their own office's directory
        if resp.status_code == 200:
            assert client.page(f"/office?office={office_id}").h1.get_text() == own
        else:
            assert resp.status_code == 404
