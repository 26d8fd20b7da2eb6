"""Backup and restore of the 1M-file benchmark database: `flask backup create` then
`flask backup restore` into a new empty database, timed, with the backup's size.

    python bench/backup.py [--files 1000000]

The restore command itself compares the row counts with the manifest (exit 1 if they
differ). The bulk office has no scans in the store, so the figures are the database's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.data import ensure  # noqa: E402
from eoffice.platform.database import ensure_database  # noqa: E402


def flask(env: dict, *args: str) -> tuple[float, str]:
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return took, r.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    files = parser.parse_args().files
    url = ensure(files)
    with tempfile.TemporaryDirectory(dir=ROOT / "instance") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "DATABASE_URL": url, "EOFFICE_STORAGE_DIR": str(tmp / "store"),
               "EOFFICE_TRUST_DIR": str(ROOT / "instance" / "pki" / "trust")}  # fmt: skip
        took, out = flask(env, "backup", "create", str(tmp / "backups"))
        folder = next((tmp / "backups").iterdir())
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"backup create ({files:,} files): {took:.0f} s, {size / 2**20:,.0f} MiB — {out}")
        server = make_url(url).set(database="postgres").render_as_string(hide_password=False)
        target = ensure_database(server, "eoffice_bench_restore", recreate=True)
        env2 = {**env, "DATABASE_URL": target, "EOFFICE_STORAGE_DIR": str(tmp / "store2")}
        took, out = flask(env2, "backup", "restore", str(folder))
        print(f"backup restore into an empty database: {took:.0f} s — {out[-300:]}")
        took, out = flask(env2, "audit", "verify")
        print(f"audit verify after restore: {took:.0f} s — {out[-200:]}")


if __name__ == "__main__":
    main()
