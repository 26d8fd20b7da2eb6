"""The accountability pages at BENCH_FILES files (1M files, ≈10M movements): "my work" on the
home page and each report, requested one after another on one connection (issue #19: p95 ≤
300 ms each; the home page within the inbox's budget), for a block office's officer (office
scope) and for a district admin of the bulk district (district scope: 40 offices, 5,000
posts), against gunicorn with the production config.

    python bench/reports.py [--files 1000000] [--rounds 20]

The district admin `bulk.district` is added to the bench database if missing (the bulk load
makes block offices only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.common import ROOT, gunicorn, login, save, verdict  # noqa: E402

BUDGET_MS = 300
HOME_BUDGET_MS = 50  # the inbox's p95 (docs/performance.md)
PAGES = [
    ("home (my work)", "/"),
    ("pendency, officer-wise", "/reports/pendency"),
    ("pendency, section-wise", "/reports/pendency?by=section"),
    ("pendency, office-wise", "/reports/pendency?by=office"),
    ("monthly", "/reports/monthly"),
    ("time per desk", "/reports/desk-time"),
    ("overdue by category", "/reports/overdue"),
    ("dashboard", "/reports/dashboard"),
    ("dak register", "/reports/registers/dak"),
    ("dispatch register", "/reports/registers/dispatch"),
]
USERS = {"office (bulk.1.0, BDO)": "bulk.1.0", "district (bulk.district)": "bulk.district"}


def ensure_district_admin(url: str) -> None:
    import psycopg

    with psycopg.connect(data.plain_url(url)) as conn:
        if conn.execute("SELECT 1 FROM app_user WHERE login_id = 'bulk.district'").fetchone():
            return
        conn.execute(
            "INSERT INTO app_user (id, login_id, name_hi, name_en, password_hash, role, "
            "office_id, must_change_password, is_enabled) "
            "SELECT (SELECT max(id) + 1 FROM app_user), 'bulk.district', 'ज़िला नोडल (परीक्षण)', "
            "'District nodal (bench)', password_hash, 'district_admin', office_id, false, true "
            "FROM app_user WHERE login_id = 'bulk.1.0'"
        )


def timed(base: str, path: str, cookie: str) -> float:
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        resp.read()
        assert resp.status == 200, (path, resp.status)
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    url = data.ensure(args.files)
    ensure_district_admin(url)
    # what the job worker does every ten minutes: the district's pendency, counted
    import os
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "reports-rollup"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    print(out.stdout.strip())
    results: dict[str, dict[str, dict]] = {}
    with gunicorn(url) as base:
        for who, login_id in USERS.items():
            cookie = login(base, login_id)
            results[who] = {}
            for name, path in PAGES:
                for _ in range(2):  # warm
                    timed(base, path, cookie)
                ms = sorted(timed(base, path, cookie) for _ in range(args.rounds))
                results[who][name] = {
                    "path": path,
                    "p50_ms": statistics.median(ms),
                    "p95_ms": ms[max(0, int(round(0.95 * len(ms))) - 1)],
                    "max_ms": ms[-1],
                }
    print(f"\n{'user':<26}{'page':<26}{'p50 ms':>8}{'p95 ms':>8}  p95 ≤ {BUDGET_MS} ms")
    for who, pages in results.items():
        for name, r in pages.items():
            budget = HOME_BUDGET_MS if r["path"] == "/" else BUDGET_MS
            print(f"{who:<26}{name:<26}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}  "
                  f"{verdict(r['p95_ms'], budget)}")  # fmt: skip
    path = save("reports", {"files": args.files, "rounds": args.rounds, "rollup": out.stdout.strip(),
                            "results": results})  # fmt: skip
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
