"""The search page (/search) at 1M files (≈5M notes, 200k receipts): gunicorn (production
config) under wrk at 1 and 8 connections (8 users, one connection each), as a busy desk (a clerk: their own few thousand
items) and as the office's officer (the office's normal items), for every query shape of issue
#32: a common word, the same in roman letters, two common words, a phrase, a rare word, a rare
roman pair and a file number. The server runs with 8 search slots (EOFFICE_SEARCH_SLOTS; the
default, half the workers, tells the others "busy" at once). Each query is first asked once and must show results (a page
that says "add a word" or nothing found is a failure, whatever its speed); then p50/p95/p99
and requests/s against the budget (p95 ≤ 150 ms).

    python bench/search.py [--files 1000000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.common import ROOT, get, gunicorn, login, save, verdict  # noqa: E402
from bench.server import run_wrk, targets  # noqa: E402

BUDGET_MS = 150
CONNECTIONS = (1, 8)


#: a rare subject given to a few files of the benchmark office (the bulk text has no rare word)
RARE = "ट्यूबवेल एवं तरबूज की खेती हेतु अनुदान"


def rare_items(url: str, clerk: str) -> None:
    """Forty files of the office with a subject no bulk file has: twenty held by the clerk's
    desk, twenty elsewhere in the office (the same files every run)."""
    import psycopg

    with psycopg.connect(data.plain_url(url)) as conn:
        post, office = conn.execute(
            "SELECT h.post_id, u.office_id FROM post_holding h JOIN app_user u ON u.id = h.user_id "
            "WHERE u.login_id = %s AND h.until IS NULL LIMIT 1",
            (clerk,),
        ).fetchone()
        conn.execute(
            "UPDATE efile SET subject = %(s)s WHERE id IN ("
            " (SELECT id FROM efile WHERE holder_post_id = %(p)s ORDER BY id LIMIT 20)"
            " UNION (SELECT id FROM efile WHERE office_id = %(o)s AND holder_post_id <> %(p)s"
            "        AND grading = 'normal' ORDER BY id LIMIT 20)) AND subject <> %(s)s",
            {"s": RARE, "p": post, "o": office},
        )


def queries(url: str, officer: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(data.plain_url(url)) as conn:
        number = conn.execute(
            "SELECT number FROM efile WHERE office_id = (SELECT office_id FROM app_user "
            "WHERE login_id = %s) ORDER BY id DESC LIMIT 1",
            (officer,),
        ).fetchone()[0]
    return {
        "common (पत्र)": "पत्र",
        "common (प्रणाली)": "प्रणाली",
        "roman common (pranali)": "pranali",
        "two common (जिला कार्यालय)": "जिला कार्यालय",
        "phrase (कागज की बचत)": "कागज की बचत",
        "rare (ट्यूबवेल)": "ट्यूबवेल",
        "rare roman (tarbooj)": "tarbooj",
        "file number": number,
    }


def page_of(base: str, path: str, cookie: str) -> str:
    """The page once its search slot is free (the requests of a wrk run just ended may still
    hold the slots for a moment: a 429 "busy" then)."""
    import time
    import urllib.error

    for _ in range(50):
        try:
            return get(base, path, cookie)
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            time.sleep(0.2)
    raise RuntimeError(f"{path}: busy for 10 s")


def shows_results(html: str) -> bool:
    return '<ol class="cards results">' in html and 'role="alert"' not in html


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: sudo apt-get install wrk")
    url = data.ensure(args.files)
    clerk, _paths = targets(url)
    officer = clerk.rsplit(".", 1)[0] + ".0"  # bulk.<office>.0: the office's officer
    rare_items(url, clerk)
    results, failed = {}, []
    # eight searches at once are eight users (a user searches one at a time), and need eight
    # slots: the default (half the workers) answers the rest "busy, search again" at once,
    # which would be timed instead of the search (EOFFICE_SEARCH_SLOTS)
    office = clerk.split(".")[1]
    crowds = {  # the user and seven more of the same kind: clerks of the office, officers
        clerk: [clerk]
        + [f"bulk.{office}.{n}" for n in range(1, 9) if f"bulk.{office}.{n}" != clerk][:7],
        officer: [officer] + [f"bulk.{n}.0" for n in range(1, 10) if f"bulk.{n}.0" != officer][:7],
    }
    with gunicorn(url, EOFFICE_SEARCH_SLOTS=str(max(CONNECTIONS))) as base:
        for user in (clerk, officer):
            cookie = login(base, user)
            cookies = [login(base, u) for u in crowds[user]]
            for name, q in queries(url, officer).items():
                path = f"{base}/search/?q={quote(q)}"
                if name != "file number":  # a number goes straight to the file (a redirect)
                    html = page_of(base, f"/search/?q={quote(q)}", cookie)
                    if not shows_results(html):
                        failed.append(f"{user}: {name}")
                for c in CONNECTIONS:
                    crowd = cookies[:c] if c > 1 else ()
                    run_wrk(path, cookie, 2, c, crowd)  # warm
                    # wrk ends a run by closing its connections with requests still in the
                    # workers: each user's next search would be told "busy" (429: one search
                    # at a time per user) until they finish. Wait for them, then time.
                    for each in crowd or [cookie]:
                        page_of(base, path.removeprefix(base), each)
                    results[f"{user} {name} ×{c}"] = run_wrk(path, cookie, args.seconds, c, crowd)
    print(
        f"\n{'user, query, connections':<52}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}  p95 ≤ {BUDGET_MS} ms"
    )
    for name, r in results.items():
        errors = int(r.get("status", 0) + r.get("timeout", 0) + r.get("connect", 0))
        print(
            f"{name:<52}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['rps']:>8.0f}"
            + (f"  {verdict(r['p95_ms'], BUDGET_MS)}" if r.get("requests") else "  NO DATA")
            + (f"; {errors} errors" if errors else "")
        )
    print("every query showed results" if not failed else f"NO RESULTS SHOWN: {failed}")
    path = save("search", {"files": args.files, "users": [clerk, officer], "results": results,
                           "no_results": failed})  # fmt: skip
    print(f"written: {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
