"""The audit viewer on 10 million events: the queries of `/admin/audit` (eoffice.admin.auditview)
for each filter, timed in-process against a bench database, median of 5.

    python bench/audit.py [--events 10000000]

Made once and kept (instance/pgbench, database eoffice_bench_audit): the demo office, then
`--events` synthetic events over a year, inserted set-based by the owner (their hashes are not
a chain: `audit verify` is not the point here). Budget (issue #15, "fast on 10M events"): every
filter's first page ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BUDGET_MS = 200

ACTIONS = ["view", "view", "view", "send", "open", "login", "note_final", "attach", "diarise"]


def build(owner: str, app_url: str, events: int) -> None:
    import psycopg

    env = {**os.environ, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    dsn = owner.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        if have >= events:
            return
        t0 = time.monotonic()
        actions = "ARRAY[" + ",".join(f"'{a}'" for a in ACTIONS) + "]"
        conn.execute(
            f"""
            INSERT INTO audit_event (at, actor_user_id, actor_post_id, action, object_type,
                                     object_id, ip, data, prev_hash, hash)
            SELECT now() - ((%(n)s - g) * interval '3 seconds'),
                   1 + (g %% (SELECT count(*) FROM app_user)),
                   NULL,
                   ({actions})[1 + (g %% {len(ACTIONS)})],
                   'file', 1 + (g::bigint * 7919) %% 1000000, '127.0.0.1', '{{}}'::jsonb,
                   md5((g - 1)::text) || md5((g + 7)::text),
                   md5(g::text) || md5((g + 8)::text)
            FROM generate_series(1, %(n)s) AS g
            """,
            {"n": events - have},
        )
        conn.execute("VACUUM (ANALYZE) audit_event")
        print(f"inserted {events - have:,} events in {time.monotonic() - t0:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    args = ap.parse_args()
    from eoffice.platform.database import embedded_server_uri, ensure_app_role, ensure_database

    server = os.environ.get("BENCH_DATABASE_URL") or embedded_server_uri(
        ROOT / "instance" / "pgbench"
    )
    owner = ensure_database(server, "eoffice_bench_audit")
    app_url = ensure_app_role(owner)
    build(owner, app_url, args.events)

    from flask_login import login_user
    from sqlalchemy import select

    from eoffice import create_app
    from eoffice.admin import auditview
    from eoffice.admin.views import offices_i_keep
    from eoffice.org.models import User
    from eoffice.platform.clock import today
    from eoffice.platform.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_url, "OWNER_DATABASE_URI": owner})
    mid = today() - timedelta(days=180)
    cases = [
        ("district admin, no filter", "nodal", {}),
        ("by user", "nodal", {"user": "clerk.revenue"}),
        ("by action (common)", "nodal", {"action": "send"}),
        ("by action (rare: none in the synthetic year)", "nodal", {"action": "admin_staff_import"}),
        ("by one day, six months ago", "nodal", {"from": mid.strftime("%d-%m-%Y"), "to": mid.strftime("%d-%m-%Y")}),
        ("by user and a month", "nodal", {"user": "clerk.revenue", "from": (mid - timedelta(days=30)).strftime("%d-%m-%Y"), "to": mid.strftime("%d-%m-%Y")}),
        ("office admin (their offices' people)", "admin.vikas", {}),
        ("next page (before an id)", "nodal", {"before": str(args.events // 2)}),
    ]  # fmt: skip
    failed = False
    print(f"{'case':50} {'median ms':>10} {'max ms':>8}  rows")
    for label, login, filters in cases:
        with app.test_request_context():
            user = db.session.scalar(select(User).where(User.login_id == login))
            login_user(user)
            from werkzeug.datastructures import MultiDict

            f = auditview.Filters.from_args(MultiDict(filters))
            scope = None if user.role == "district_admin" else [o.id for o in offices_i_keep()]
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows, _more = auditview.events(f, scope, limit=50)
                times.append((time.perf_counter() - t0) * 1000)
                db.session.rollback()
        med = statistics.median(times)
        failed |= med > BUDGET_MS
        mark = "" if med <= BUDGET_MS else f"  > {BUDGET_MS} ms: MISSED"
        print(f"{label:50} {med:10.1f} {max(times):8.1f}  {len(rows)}{mark}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
