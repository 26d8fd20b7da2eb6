"""What a dead primary costs in committed work with pgBackRest (issue #31): the RPO.

A system PostgreSQL of its own (tests/syspg.py: Debian's server and pgBackRest), set up by
`flask backup pgbackrest setup` (archive_timeout 60 s) and a full backup; then, each round, a
writer commits a row every 0.1 s, each acknowledged commit noted with its time; after 45, 75
and 105 s (one round each: before, past and well past one archive_timeout) the primary is SIGKILLed and its data folder deleted (the disk died), the cluster is
restored to the end of the archive (`flask backup pgbackrest recover`) and started. The RPO of
the round: the time between the last commit the writer was told was done and the last one the
recovered server has. Nothing is asserted: the figures go to bench/results/pitr_rpo.json and
docs/performance.md.

    python bench/pitr_rpo.py [--seconds 45,75,105]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", default="45,75,105",
                    help="how long the writer runs before the crash, one round each")  # fmt: skip
    args = ap.parse_args()

    import flask_migrate
    import psycopg

    from eoffice import MIGRATIONS
    from tests import syspg
    from tests.ownserver import dispose, libpq
    from tests.test_pgbackrest import site, start_archiving, wait_open

    class Pki:  # the drill signs nothing: any folder will do as the trust store
        trust_dir = Path(tempfile.mkdtemp(prefix="eoffice-rpo-trust-"))

    tmp = Path(tempfile.mkdtemp(prefix="eoffice-rpo-"))
    pg = syspg.Cluster.create()
    rounds = []
    try:
        pg.start()
        app = site(pg, tmp, Pki)
        with app.app_context():
            flask_migrate.upgrade(directory=str(MIGRATIONS))
        runner = app.test_cli_runner()
        url = libpq(app.config["OWNER_DATABASE_URI"])
        with psycopg.connect(url, autocommit=True) as c:  # in the first full backup
            c.execute("CREATE TABLE rpo_probe (id bigint PRIMARY KEY, at timestamptz)")
        start_archiving(pg, app)
        next_id = 1
        for run_for in [float(x) for x in args.seconds.split(",")]:
            acked: dict[int, float] = {}
            stop = threading.Event()

            def writer(first: int, acked=acked, stop=stop) -> None:
                i = first
                try:
                    with psycopg.connect(url, autocommit=True) as c:
                        while not stop.is_set():
                            c.execute("INSERT INTO rpo_probe VALUES (%s, now())", (i,))
                            acked[i] = time.time()  # the server said: committed
                            i += 1
                            time.sleep(0.1)
                except psycopg.Error:
                    pass  # the primary died under it

            t = threading.Thread(target=writer, args=(next_id,))
            t.start()
            time.sleep(run_for)
            dispose(app)
            pg.crash()
            died = time.time()
            stop.set()
            t.join(timeout=30)
            out = runner.invoke(args=["backup", "pgbackrest", "recover"])
            assert out.exit_code == 0, out.output
            pg.start()
            wait_open(url)
            back = time.time() - died
            with psycopg.connect(url) as c:
                have = c.execute("SELECT max(id) FROM rpo_probe").fetchone()[0] or 0
            last = max(acked)
            kept = max((i for i in acked if i <= have), default=None)
            lost = [i for i in acked if i > have]
            rpo = (
                (acked[last] - acked[kept])
                if kept is not None
                else acked[last] - min(acked.values())
            )
            rounds.append({
                "ran_s": round(run_for, 1), "commits_acknowledged": len(acked),
                "commits_lost": len(lost), "rpo_s": round(rpo, 1),
                "restore_and_start_s": round(back, 1),
            })  # fmt: skip
            print(json.dumps(rounds[-1]), flush=True)
            next_id = last + 1
            # the next round starts from a fresh full backup on the new timeline
            out = runner.invoke(args=["backup", "pgbackrest", "full"])
            assert out.exit_code == 0, out.output
        dispose(app)
    finally:
        pg.remove()
    result = {
        "archive_timeout": "60s",
        "rounds": rounds,
        "rpo_s_max": max(r["rpo_s"] for r in rounds),
        "rpo_s_median": statistics.median(r["rpo_s"] for r in rounds),
    }
    out = ROOT / "bench" / "results" / "pitr_rpo.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
