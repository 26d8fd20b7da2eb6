"""Whole-app properties: assets, compression, error pages, the schema matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eoffice.platform.extensions import db as _db
from eoffice.platform.jobs import include_name


def test_assets_have_hashed_names_and_are_cached_for_a_year(client, demo):
    soup = client.page("/login")
    css = soup.find("link", rel="stylesheet")["href"]
    assert soup.find("script") is None  # the login page needs no script (issue #32)
    assert css.startswith("/s/css/app.")
    assert client.page("/status").find("script") is None
    client.login("clerk.revenue")
    js = client.page("/search/").find("script")["src"]  # a page that uses htmx loads it
    assert js.startswith("/s/js/htmx.min.")
    assert client.page("/inbox").find("script") is None  # its filters are a plain GET form
    # the file page: htmx comes only when the holder writes in the note (note.js loads it)
    from tests.test_movement import open_file

    page = client.page(f"/files/{open_file(client, demo).id}")
    srcs = [s["src"] for s in page.find_all("script")]
    assert not any("/htmx.min." in src for src in srcs), srcs
    note = page.find("script", src=lambda s: s and "/js/note." in s)
    assert note.has_attr("async") and note["data-htmx"].startswith("/s/js/htmx.min.")
    assert page.find("meta", attrs={"name": "htmx-config"})
    client.post("/logout", data={"csrf_token": client.csrf("/")})
    for url in (css, js):
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/s/css/app.0000000000.css").status_code == 404
    # no session, so no `Vary: Cookie` and no cookie: the cached copy survives a login
    resp = client.get(css)
    assert "Cookie" not in resp.headers.get("Vary", "") and "Set-Cookie" not in resp.headers
    assert soup.find("link", rel="icon")["href"] == "data:,"  # no favicon request on 2G
    assert client.get("/s/../eoffice/platform/config.py").status_code == 404


def test_responses_are_compressed(client):
    for encoding in ("br", "gzip"):
        resp = client.get("/login", headers={"Accept-Encoding": encoding})
        assert resp.headers["Content-Encoding"] == encoding
    from eoffice.web.assets import asset_url

    with client.c.application.test_request_context():
        src = asset_url("js/htmx.min.js")
    js = client.get(src, headers={"Accept-Encoding": "br"})
    assert js.headers["Content-Encoding"] == "br" and len(js.data) < 20_000


def test_not_found_page_in_both_languages(client):
    soup = client.page("/no/such/page", status=404)
    assert soup.h1.get_text() == "यह पृष्ठ नहीं मिला।"
    client.set_cookie("lang", "en")
    soup = client.page("/no/such/page", status=404, lang="en")
    assert soup.h1.get_text() == "This page was not found."


def test_error_fragment_for_htmx(client):
    resp = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert resp.status_code == 404 and b"<html" not in resp.data
    assert "HX-Request" in resp.headers["Vary"]


def test_pages_work_without_javascript(client, demo):
    """Every form is a plain POST with a real action: no page needs htmx to submit."""
    client.login("clerk.arms")
    for url in ("/", "/office", "/password"):
        for form in client.page(url).find_all("form"):
            assert form.get("action", "").startswith("/"), (url, form)
            assert form.get("method") in ("post", "get"), (url, form)
            assert form.find("button", type="submit"), (url, form)


def test_migrations_match_the_models(app, db):
    with app.app_context(), _db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(ctx, _db.metadata)
    assert diff == [], f"models and migrations differ; run flask db migrate: {diff}"
