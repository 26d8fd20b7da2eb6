"""Sixteen wrong passwords for one login ID at the same moment, against gunicorn (2 workers):
no more checks than the limit (they were eight against a limit of five: check, then insert)."""

from __future__ import annotations

import threading

from tests.test_movement_concurrency import Browser, _db

GUESSES = 16
LOGIN_ID = "tehsildar"  # used by no browser test: the live server's account stays locked


def test_simultaneous_guesses_get_no_more_checks_than_the_limit(live_server, live_db_url):
    sessions = [Browser(live_server) for _ in range(GUESSES)]
    tokens = [s.hidden("/login")["csrf_token"] for s in sessions]
    barrier = threading.Barrier(GUESSES)
    statuses: list[int] = [0] * GUESSES

    def guess(i: int) -> None:
        barrier.wait()
        status, _, _ = sessions[i].request(
            "/login", {"csrf_token": tokens[i], "login_id": LOGIN_ID, "password": f"guess-{i}"}
        )
        statuses[i] = status

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with _db(live_db_url) as conn:
        outcomes = [
            r[0]
            for r in conn.execute(
                "SELECT outcome FROM login_attempt WHERE login_id = %s", (LOGIN_ID,)
            ).fetchall()
        ]
    assert outcomes.count("bad_password") == 5, outcomes
    assert outcomes.count("throttled") == GUESSES - 5
    assert sorted(statuses) == [401] * 5 + [429] * (GUESSES - 5)
