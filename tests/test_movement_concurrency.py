"""32 sessions send the same file at the same moment, against gunicorn (2 workers) and
Postgres: exactly one wins, the rest are told it has moved, and the audit chain holds."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.conftest import LIVE_ANCHOR

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 32


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user session: its own cookies, redirects not followed (we read Location)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            resp = self.opener.open(self.base + path, body, timeout=60)
        except urllib.error.HTTPError as e:  # 3xx/4xx arrive here without redirects
            return e.code, e.headers.get("Location", ""), e.read().decode()
        return resp.status, "", resp.read().decode()

    def hidden(self, path: str) -> dict:
        status, _, html = self.request(path)
        assert status == 200, (path, status)
        fields = dict(
            re.findall(r'name="(csrf_token|key|expected)" type="hidden" value="([^"]*)"', html)
        )
        fields.update(
            re.findall(r'type="hidden" name="(csrf_token|key|expected)" value="([^"]*)"', html)
        )
        return fields

    def login(self, login_id: str) -> None:
        token = self.hidden("/login")["csrf_token"]
        status, location, _ = self.request(
            "/login", {"csrf_token": token, "login_id": login_id, "password": "demo@1234"}
        )
        assert status == 302, status


def _db(live_db_url: str):
    url = make_url(live_db_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def test_32_simultaneous_sends_of_one_file(live_server, live_db_url):
    with _db(live_db_url) as conn:
        so_post, section, head = conn.execute(
            "SELECT p.id, s.id, h.id FROM post p JOIN office o ON o.id = p.office_id "
            "JOIN section s ON s.office_id = o.id AND s.code = 'राज' "
            "JOIN subject_head h ON h.office_id = o.id AND h.code = 'भू-अभि' "
            "WHERE p.abbreviation = 'अनु.अधि.-राज'"
        ).fetchone()
    sessions = [Browser(live_server) for _ in range(SESSIONS)]
    threads = [threading.Thread(target=s.login, args=("clerk.revenue",)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first = sessions[0]
    fields = first.hidden("/files/new")
    status, location, _ = first.request(
        "/files/new",
        {
            **fields,
            "subject": "समवर्ती प्रेषण परीक्षण: एक ही पत्रावली, बत्तीस सत्र",
            "section": section,
            "head": head,
            "kind": "electronic",
            "category": "0",
            "grading": "normal",
            "priority": "normal",
        },
    )
    assert status == 302, status
    file_id = int(location.rsplit("/", 1)[1])
    forms = [s.hidden(f"/file/{file_id}/send") for s in sessions]  # every tab drawn first
    barrier = threading.Barrier(SESSIONS)
    results: list[tuple[int, str]] = [None] * SESSIONS  # type: ignore[list-item]

    def fire(i: int) -> None:
        barrier.wait()
        status, location, _ = sessions[i].request(
            f"/file/{file_id}/send",
            {**forms[i], "to_post": so_post, "priority": "normal", "remarks": "समवर्ती"},
        )
        results[i] = (status, location)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(status == 302 for status, _ in results), results
    winners = [i for i, (_, loc) in enumerate(results) if loc.endswith("/inbox")]
    assert len(winners) == 1, results
    for loser in (i for i in range(SESSIONS) if i not in winners):
        _, _, html = sessions[loser].request(results[loser][1].removeprefix(live_server))
        assert "यह पहले ही आगे भेजी जा चुकी है" in html, loser

    with _db(live_db_url) as conn:
        moves = conn.execute(
            "SELECT count(*) FROM movement WHERE file_id = %s", (file_id,)
        ).fetchone()
        sends = conn.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'send' AND object_type = 'file' "
            "AND object_id = %s",
            (file_id,),
        ).fetchone()
        holder = conn.execute(
            "SELECT holder_post_id FROM efile WHERE id = %s", (file_id,)
        ).fetchone()
    assert moves[0] == 1 and sends[0] == 1 and holder[0] == so_post
    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": live_db_url, "EOFFICE_AUDIT_ANCHOR": str(LIVE_ANCHOR)},
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0 and "OK" in verify.stdout, verify.stderr
