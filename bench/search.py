"""The search page (/search) at 1M files (≈5M notes, 200k receipts): gunicorn (production
config) under wrk, 32 connections, for a common Hindi word, a rare word, a roman query and a
file number; p50/p95/p99 and requests/s against the budget (p95 ≤ 150 ms, issue #18); the
EXPLAIN (ANALYZE, BUFFERS) of the main query is written beside the figures.

    python bench/search.py [--files 1000000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.common import ROOT, gunicorn, login, save, verdict  # noqa: E402
from bench.server import run_wrk, targets  # noqa: E402

BUDGET_MS = 150


def queries(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(data.plain_url(url)) as conn:
        number = conn.execute(
            "SELECT number FROM efile WHERE office_id = (SELECT office_id FROM app_user "
            "WHERE login_id = 'bulk.1.0') ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    return {
        "common (प्रणाली)": "प्रणाली",
        "rare (मूंगफली)": "मूंगफली",
        "roman (digital signature)": "digital signature",
        "file number": number,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: sudo apt-get install wrk")
    url = data.ensure(args.files)
    user, _paths = targets(url)
    results = {}
    with gunicorn(url) as base:
        cookie = login(base, user)
        for name, q in queries(url).items():
            path = f"{base}/search/?q={quote(q)}"
            run_wrk(path, cookie, 3, args.connections)  # warm
            results[name] = run_wrk(path, cookie, args.seconds, args.connections)
    print(
        f"\n{'query':<28}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}  p95 ≤ {BUDGET_MS} ms"
    )
    for name, r in results.items():
        errors = int(r.get("status", 0) + r.get("timeout", 0) + r.get("connect", 0))
        print(
            f"{name:<28}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}{r['rps']:>8.0f}"
            + (
                f"  {verdict(r['p95_ms'], BUDGET_MS)}"
                if r.get("requests")
                else "  NO DATA: no request completed"
            )  # fmt: skip
            + (f"; {errors} errors" if errors else "")
        )
    path = save("search", {"files": args.files, "user": user, "results": results})
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
