"""Queries per page stay flat: the main pages load their rows' posts, holders, items and copies
with the rows, so more rows never mean more queries (the send form read each of up to 250
posts' holders one at a time, and the sent list and the track each item and its copies)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from eoffice.files.models import File
from eoffice.org.models import Office, Post
from eoffice.platform.extensions import db as _db
from tests import factories
from tests.test_movement import login, open_file, post_id, send  # noqa: F401  (fixture)


@contextmanager
def counted(app):
    statements: list[str] = []
    with app.app_context():
        engine = _db.engine

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def queries(app, c, url: str, **kw) -> int:
    with counted(app) as statements:
        resp = c.get(url, **kw)
    assert resp.status_code == 200, (url, resp.status_code)
    return len(statements)


def _collectorate(db) -> Office:
    return db.session.scalar(select(Office).where(Office.code == "कले"))


def _more_posts(db, n: int) -> None:
    """n more held posts in the collectorate: more options on the send form."""
    office = _collectorate(db)
    for _ in range(n):
        p = factories.post(office=office)
        factories.user(posts=[p])


@pytest.fixture
def clerk(login):  # noqa: F811
    return login("clerk.revenue")


def test_the_send_form_and_its_search_do_not_query_per_post(app, clerk, demo):
    db = demo
    f = open_file(clerk, db)
    url = f"/file/{f.id}/send"
    before = queries(app, clerk, url)
    search = queries(app, clerk, "/move/posts?q=लिपिक", headers={"HX-Request": "true"})
    _more_posts(db, 8)
    assert queries(app, clerk, url) == before
    assert queries(app, clerk, "/move/posts?q=लिपिक", headers={"HX-Request": "true"}) == search
    assert before <= 20, before


def test_sent_list_track_and_copies_do_not_query_per_row(app, clerk, login, demo):  # noqa: F811
    db = demo
    so = post_id(db, "अनु.अधि.-राज")
    dm = post_id(db, "डीएम")
    first = open_file(clerk, db)
    send(clerk, "file", first.id, so, copies=str(dm))
    sent_one = queries(app, clerk, "/inbox/sent")
    track_one = queries(app, clerk, f"/file/{first.id}/track")
    dm_client = login("dm.lalitpur")
    # a process loads a user in full once; later requests only check them (auth.signed_in)
    dm_client.get("/inbox")
    copies_one = queries(app, dm_client, "/inbox/copies")
    for _ in range(4):
        f = open_file(clerk, db)
        send(clerk, "file", f.id, so, copies=str(dm))
    # the first file travels on: a longer track
    so_client = login("so.revenue")
    so_client.get(f"/files/{first.id}")
    send(so_client, "file", first.id, post_id(db, "एडीएम (वि/रा)"))
    assert db.session.get(File, first.id).holder_post_id == post_id(db, "एडीएम (वि/रा)")
    assert queries(app, clerk, "/inbox/sent") == sent_one
    assert queries(app, clerk, f"/file/{first.id}/track") == track_one
    assert queries(app, dm_client, "/inbox/copies") == copies_one
    assert queries(app, clerk, "/inbox") <= 12


def test_the_inbox_and_file_page_are_a_few_queries(app, clerk, demo):
    db = demo
    f = open_file(clerk, db)
    inbox = queries(app, clerk, "/inbox")
    page = queries(app, clerk, f"/files/{f.id}")
    assert inbox <= 12, inbox
    # issue #32: two statements — the user (with whether they act under a delegation today) and
    # the page with the layout's counts (unread, unseen reminders); no query from the template
    with counted(app) as statements:
        assert clerk.get("/inbox").status_code == 200
    selects = [st for st in statements if st.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, [" ".join(st.split())[:80] for st in selects]
    assert page <= 30, page
    _ = Post  # the models are imported for the factories' mappers


def test_prepared_statements_outlive_a_rollback(app):
    """Issue #32: psycopg prepares a statement run five times, but forgets them all at every
    ROLLBACK — and every read request ends with one. The app's connections keep them
    (platform.database.KeptStatements); after an error the connection still recovers."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    sql = text("SELECT count(*) FROM app_user WHERE id > :n")
    with app.app_context(), _db.engine.connect() as conn:
        for _ in range(6):
            conn.execute(sql, {"n": 0})
            conn.rollback()
        # …and plans each run for its own values (a generic plan made search ten times slower)
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        kept = conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert any("FROM app_user WHERE id >" in s for s in kept), kept
        try:
            conn.execute(text("SELECT 1 / 0"))
        except DBAPIError:
            conn.rollback()
        assert conn.execute(sql, {"n": 0}).scalar() >= 0
