"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries, exactly as the app sends them: each
benchmarked page (inbox, file page, search) is requested once in-process as the benchmark
user, every SELECT it runs is captured with its parameters, and each is explained on the same
database. Prints one line per query (planning + execution time) and writes the plans to
bench/results/explain-<files>.txt.

    python bench/explain.py [--files 1000000]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data  # noqa: E402
from bench.common import PASSWORD, RESULTS  # noqa: E402
from bench.server import targets  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    args = parser.parse_args()
    url = data.ensure(args.files)
    user, paths = targets(url)
    # issue #32: every shape of /search (bench/search.py's queries, as this user)
    from urllib.parse import quote

    from bench.search import queries, rare_items

    rare_items(url, user)
    officer = user.rsplit(".", 1)[0] + ".0"
    for name, q in queries(url, officer).items():
        if name != "file number":  # a number the user may open redirects to it
            paths[f"search {name}"] = f"/search/?q={quote(q)}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("EOFFICE_JOBS_WORKER", "0")
    from sqlalchemy import event

    from eoffice import create_app
    from eoffice.platform.extensions import db

    app = create_app()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    client.post("/login", data={"csrf_token": token, "login_id": user, "password": PASSWORD})
    captured: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):
        if (
            statement.lstrip().upper().startswith("SELECT")
            and "pg_advisory" not in statement
            and "set_config" not in statement  # a search's limits (applied below)
        ):
            captured.append((statement, parameters))

    out = [f"# EXPLAIN (ANALYZE, BUFFERS), {args.files:,} files, user {user}\n"]
    print(f"{'page':<36}{'plan ms':>9}{'exec ms':>9}  query")
    for name, path in paths.items():
        client.get(path)  # once to warm caches and mark things opened; then the measured one
        captured.clear()
        assert client.get(path).status_code == 200
        queries = list(captured)
        event.remove(engine, "before_cursor_execute", capture)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            if name.startswith("search"):  # as the search runs them (search.services._LIMITS)
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            for statement, params in queries:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                planning = float(re.search(r"Planning Time: ([\d.]+)", plan).group(1))
                execution = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
                short = " ".join(statement.split())[:90]
                print(f"{name:<36}{planning:>9.2f}{execution:>9.2f}  {short}")
                out.append(f"\n## {name}: {path}\n\n{' '.join(statement.split())}\n\n{plan}\n")
            raw.rollback()
        finally:
            raw.close()
        event.listen(engine, "before_cursor_execute", capture)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"explain-{args.files}.txt"
    target.write_text("".join(out))
    print(f"written: {target.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
