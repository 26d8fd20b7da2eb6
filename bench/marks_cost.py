"""What the register clocks (issue #29) cost the inbox's one statement: the statement of a busy
desk's inbox (bulk.1.4) explained and run with `movement.services._MARKS` and with it replaced
by NULL, alternately, ROUNDS times each, twice over; the medians of Postgres's planning and
execution times.

    python bench/marks_cost.py [--files 1000000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    from bench import data

    os.environ["DATABASE_URL"] = data.ensure(args.files)
    from sqlalchemy import event, select

    from eoffice.movement import services
    from eoffice.org.models import User
    from eoffice.org.services import actor_for
    from eoffice.platform.extensions import db
    from wsgi import app

    seen: list[tuple[str, dict]] = []
    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def grab(conn, cursor, statement, parameters, context, executemany):
            if "reminders_n" in statement:
                seen.append((statement, parameters))

        actor = actor_for(db.session.scalar(select(User).where(User.login_id == "bulk.1.4")))
        services.inbox(actor, services.Filters())
        sql, params = seen[0]
        bare = sql.replace(services._MARKS + " AS marks", "NULL AS marks")
        assert bare != sql, "the inbox's statement no longer has the clocks' subquery"
        with db.engine.connect() as conn:
            cur = conn.connection.driver_connection.cursor()
            for name, statement in (("with the clocks", sql), ("without", bare)) * 2:
                planning, execution = [], []
                for _ in range(args.rounds):
                    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
                    plan = cur.fetchone()[0][0]
                    planning.append(plan["Planning Time"])
                    execution.append(plan["Execution Time"])
                print(f"{name:16} planning {statistics.median(planning):.3f} ms, "
                      f"execution {statistics.median(execution):.3f} ms (medians of {args.rounds})")  # fmt: skip


if __name__ == "__main__":
    main()
