"""Server benchmark: gunicorn (production config) on loopback under `wrk`, 32 connections,
for the inbox, a file page and a search, at 10k and at 1M files. Prints p50/p95/p99 and
requests/s against the budgets and writes bench/results/server-*.json.

    python bench/server.py [--sizes 10000 1000000] [--seconds 20] [--connections 32]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.common import ROOT, gunicorn, login, save, verdict  # noqa: E402

#: (name, p95 budget ms): inbox and file page ≤ 50 ms, search ≤ 150 ms; ≥ 400 req/s for both
BUDGETS = {"inbox": 50, "file": 50, "search": 150}
RPS_BUDGET = {"inbox": 400, "file": 400}
#: issue #32: the inbox's req/s at least this share of the bare baseline's, in the same run
RATIO_BUDGET = 0.6


def targets(db_url: str) -> tuple[str, dict[str, str]]:
    """The benchmark user (the bulk user of office 1 holding the most open files: a busy
    desk), a file in their inbox, and a search word that matches many subjects."""
    import psycopg

    with psycopg.connect(data.plain_url(db_url)) as conn:
        login_id, file_id = conn.execute(
            "SELECT u.login_id, min(f.id) FROM efile f "
            "JOIN post_holding h ON h.post_id = f.holder_post_id "
            "JOIN app_user u ON u.id = h.user_id "
            "WHERE u.login_id LIKE 'bulk.1.%' AND f.status = 'open' AND f.grading = 'normal' "
            "GROUP BY u.login_id ORDER BY count(*) DESC, u.login_id LIMIT 1"
        ).fetchone()
    return login_id, {
        "inbox": "/inbox",
        "file": f"/files/{file_id}",
        "search": "/files/?scope=section&q=%E0%A4%88-%E0%A4%91%E0%A4%AB%E0%A4%BF%E0%A4%B8",
    }


def posts_of(db_url: str, login_id: str) -> list[int]:
    import psycopg

    with psycopg.connect(data.plain_url(db_url)) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT h.post_id FROM post_holding h JOIN app_user u ON u.id = h.user_id "
                "WHERE u.login_id = %s AND h.until IS NULL",
                (login_id,),
            )
        ]


def against_baseline(db_url: str, rounds: int, seconds: int, connections: int) -> list[dict]:
    """The inbox and the bare baseline (bench/baseline.py: the same SQL, a minimal template,
    the same gunicorn config) in turns, `rounds` times: the ratio of their req/s each round."""
    user, _ = targets(db_url)
    posts = ",".join(map(str, posts_of(db_url, user)))
    out = []
    with (
        gunicorn(db_url) as base,
        gunicorn(db_url, "bench.baseline:app", BASELINE_POSTS=posts) as bare,
    ):
        cookie = login(base, user)
        run_wrk(base + "/inbox", cookie, 3, connections)
        run_wrk(bare + "/inbox", "", 3, connections)
        for _ in range(rounds):
            b = run_wrk(bare + "/inbox", "", seconds, connections)
            e = run_wrk(base + "/inbox", cookie, seconds, connections)
            out.append({"baseline": b, "inbox": e, "ratio": e["rps"] / max(b["rps"], 0.1)})
    return out


def run_wrk(url: str, cookie: str, seconds: int, connections: int, cookies: list[str] = ()) -> dict:
    """wrk's figures for `url`; with `cookies`, one thread and connection per user."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{connections if cookies else min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "wrk_pct.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"WRK_COOKIE": cookie, "WRK_COOKIES": "\n".join(cookies), "PATH": "/usr/bin:/bin"},
    ).stdout
    nums = dict(re.findall(r"(\w+)=([\d.]+)", out))
    return {k: float(v) for k, v in nums.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="inbox vs baseline turns")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: sudo apt-get install wrk")
    results = {}
    for size in args.sizes:
        url = data.ensure(size)
        user, paths = targets(url)
        with gunicorn(url) as base:
            cookie = login(base, user)
            for name, path in paths.items():
                run_wrk(base + path, cookie, 3, args.connections)  # warm the caches
                results[f"{name}@{size}"] = run_wrk(
                    base + path, cookie, args.seconds, args.connections
                )
    print(f"\n{'page':<16}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}  budget (p95, req/s)")
    for key, r in results.items():
        name = key.split("@")[0]
        line = f"{key:<16}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}{r['rps']:>8.0f}"
        line += f"  p95 ≤ {BUDGETS[name]} ms: {verdict(r['p95_ms'], BUDGETS[name])}"
        if name in RPS_BUDGET:
            line += f"; ≥ {RPS_BUDGET[name]} req/s: {verdict(r['rps'], RPS_BUDGET[name], higher_is_better=True)}"
        errors = int(r.get("status", 0) + r.get("timeout", 0) + r.get("connect", 0))
        if errors:
            line += f"; {errors} errors"
        print(line)
    if len(args.sizes) >= 2:
        small, large = f"inbox@{min(args.sizes)}", f"inbox@{max(args.sizes)}"
        ratio = results[large]["p95_ms"] / max(results[small]["p95_ms"], 0.1)
        print(
            f"inbox p95 growth {min(args.sizes):,} → {max(args.sizes):,} files: ×{ratio:.2f} "
            f"(budget ≤ ×1.5: {verdict(ratio, 1.5)})"
        )
        results["inbox_growth"] = ratio
    if args.rounds:
        size = max(args.sizes)
        turns = against_baseline(data.ensure(size), args.rounds, args.seconds, args.connections)
        print(f"\ninbox vs the bare baseline at {size:,} files, {args.connections} connections:")
        for n, t in enumerate(turns, 1):
            b, e = t["baseline"], t["inbox"]
            print(
                f"  round {n}: baseline {b['rps']:.0f} req/s (p95 {b['p95_ms']:.0f} ms), inbox "
                f"{e['rps']:.0f} req/s (p95 {e['p95_ms']:.0f} ms): ÷ {t['ratio']:.2f} "
                f"(budget ≥ {RATIO_BUDGET}: {verdict(t['ratio'], RATIO_BUDGET, higher_is_better=True)})"
            )
        results["against_baseline"] = turns
    path = save(
        "server", {"seconds": args.seconds, "connections": args.connections, "results": results}
    )
    print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
