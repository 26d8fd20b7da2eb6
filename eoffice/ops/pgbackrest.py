"""Backups and point-in-time recovery with pgBackRest, where a system PostgreSQL runs.

`EOFFICE_PGBACKREST_STANZA` turns it on (unset: today's own archive, `eoffice.ops.pitr`). The
repository (a local path, or S3) and the cluster's `pg1-path` are pgBackRest's own
configuration (`EOFFICE_PGBACKREST_CONFIG`, default /etc/pgbackrest/pgbackrest.conf; the README
gives one); this module only drives the commands:

- `setup`: WAL archiving through `pgbackrest archive-push` (ALTER SYSTEM, as the owner, who
  must be a superuser; a restart of the server when archive_mode was off), then stanza-create;
- `backup(kind)`: a full or differential backup, keeping as many fulls as BACKUP_KEEP_WEEKLY and
  differentials as BACKUP_KEEP_DAILY (the nightly job: full on Sundays, differential otherwise);
- `restore(target)`: into the (stopped) cluster's data folder, to a moment (`--type=time`,
  promoted at the end) or to the end of the archive.

Run as root, pgBackRest is run as the server's OS user (`EOFFICE_PGBACKREST_USER`, default
`postgres`); the server runs `archive-push` itself, as that user. Why not for the embedded
server: Debian 12's pgBackRest (2.45) knows PostgreSQL up to 15 and the embedded wheel is 18;
the embedded server keeps the archive of `eoffice.ops.pitr`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from datetime import datetime

from flask import current_app

from eoffice.ops.backup import BackupError
from eoffice.ops.pitr import set_archiving

ARCHIVE_TIMEOUT = "60s"  # a dead disk loses at most about this much work (docs/performance.md)


def enabled() -> bool:
    return bool(current_app.config.get("PGBACKREST_STANZA"))


def _command() -> list[str]:
    cfg = current_app.config
    if not cfg.get("PGBACKREST_STANZA"):
        raise BackupError("EOFFICE_PGBACKREST_STANZA is not set")
    cmd = ["pgbackrest", f"--stanza={cfg['PGBACKREST_STANZA']}"]
    if cfg.get("PGBACKREST_CONFIG"):
        cmd.append(f"--config={cfg['PGBACKREST_CONFIG']}")
    return cmd


def _run(*args: str) -> str:
    cmd = [*_command(), *args]
    user = current_app.config.get("PGBACKREST_USER") or "postgres"
    if os.geteuid() == 0 and user != "root":
        cmd = ["runuser", "-u", user, "--", *cmd]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
    except FileNotFoundError:
        raise BackupError("pgbackrest is not installed (apt-get install pgbackrest)") from None
    if r.returncode != 0:
        said = (r.stderr.strip() or r.stdout.strip()).splitlines()
        raise BackupError(f"pgbackrest {args[0]}: " + " / ".join(said[-3:]))
    return r.stdout


def setup() -> bool:
    """Archive WAL through pgBackRest and create the stanza; returns whether the server must
    be restarted for archiving to start (archive_mode was off)."""
    restart = set_archiving(shlex.join([*_command(), "archive-push"]) + " %p", ARCHIVE_TIMEOUT)
    _run("stanza-create")
    return restart


def check() -> str:
    """pgBackRest's own check: the configuration, and that a WAL segment reaches the repository."""
    return _run("check")


def backup(kind: str) -> str:
    if kind not in ("full", "diff", "incr"):
        raise ValueError(kind)
    cfg = current_app.config
    return _run(
        "backup",
        f"--type={kind}",
        "--start-fast",
        f"--repo1-retention-full={max(1, cfg['BACKUP_KEEP_WEEKLY'])}",
        f"--repo1-retention-diff={max(1, cfg['BACKUP_KEEP_DAILY'])}",
    )


def nightly(today: datetime) -> str:
    """The job worker's run: a full backup on Sundays (and when none exists), else a diff."""
    return backup("full" if today.weekday() == 6 else "diff")


def info() -> str:
    return _run("info")


def restore(target: datetime | None) -> str:
    """Restore into the cluster's data folder (the server stopped): to `target` (aware), then
    promoted; or, with no target, to the end of the archive."""
    args = ["restore", "--delta"]
    if target is not None:
        if target.tzinfo is None:
            raise ValueError("target must carry its zone")
        moment = target.isoformat(sep=" ", timespec="microseconds")
        args += ["--type=time", f"--target={moment}", "--target-action=promote"]
    return _run(*args)
