"""Backups that restore: `flask backup create`, `verify` and `restore`, run as an operator
would, against real databases of their own (a backup reads what is committed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eoffice.platform.database import ensure_app_role, ensure_database
from tests.conftest import APP_ROLE_PASSWORD, ROOT

SCAN = b"%PDF-1.4\n% a stored scan for the backup test\n"


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if check and r.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)}: {r.stdout}\n{r.stderr}")
    return r


def site(server_uri: str, tmp: Path, name: str) -> dict:
    owner = ensure_database(server_uri, f"eoffice_backup_{name}", recreate=True)
    return {
        **os.environ,
        "DATABASE_URL": ensure_app_role(owner, password=APP_ROLE_PASSWORD),
        "DATABASE_OWNER_URL": owner,
        "EOFFICE_STORAGE_DIR": str(tmp / name / "storage"),
        "EOFFICE_TRUST_DIR": str(tmp / name / "pki" / "trust"),
        "EOFFICE_AUDIT_ANCHOR": str(tmp / name / "audit" / "anchor.jsonl"),
        "EOFFICE_AUDIT_KEY_FILE": str(tmp / name / "audit-key" / "audit.key"),
        "SECRET_KEY": "backup-test-" + name,
    }


def put_scan(env: dict) -> str:
    """A stored file the database names, and an audit event: what a day of work leaves."""
    code = (
        "from eoffice import create_app\n"
        "from eoffice.platform import audit, storage\n"
        "from eoffice.platform.extensions import db\n"
        "from eoffice.documents.models import Document\n"
        "app = create_app()\n"
        "with app.test_request_context():\n"
        f"    sha, _ = storage.put({SCAN!r})\n"
        "    db.session.add(Document(sha256=sha, size=1, pages=1, preview_sha256=[], original_name='x.pdf'))\n"
        "    audit.record('probe', object_type='test', object_id=1)\n"
        "    db.session.commit()\n"
        "    print(sha)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_a_backup_restores_into_an_empty_site(server_uri, tmp_path):
    src = site(server_uri, tmp_path, "src")
    flask(src, "db", "upgrade")
    flask(src, "seed-demo")
    sha = put_scan(src)
    flask(src, "audit", "checkpoint")
    out = flask(src, "backup", "create", str(tmp_path / "backups")).stdout
    assert "written and verified" in out
    (folder,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} >= {
        "manifest.json", "database.dump", "storage.tar", "trust.tar", "audit-anchor.jsonl",
    }  # fmt: skip
    assert oct(folder.stat().st_mode)[-3:] == "700"

    assert "audit.key" not in {p.name for p in folder.iterdir()}  # the key is never in it

    # a new, empty site: migrated (as a new server would be), no data, no files
    dst = site(server_uri, tmp_path, "dst")
    flask(dst, "db", "upgrade")
    # without the office's audit key (kept apart from the backups) the manifest is not trusted
    refused = flask(dst, "backup", "restore", str(folder), check=False)
    assert refused.returncode == 1 and "not signed" in refused.stdout
    # the key put back from where it is kept, as the README says
    key = Path(dst["EOFFICE_AUDIT_KEY_FILE"])
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(Path(src["EOFFICE_AUDIT_KEY_FILE"]).read_bytes())
    out = flask(dst, "backup", "restore", str(folder)).stdout
    assert "restored" in out and "DIFFER" not in out
    assert flask(dst, "audit", "verify").returncode == 0
    assert flask(dst, "storage", "check").returncode == 0
    restored = Path(dst["EOFFICE_STORAGE_DIR"]) / sha[:2] / sha[2:4] / sha
    assert restored.read_bytes() == SCAN  # the downloaded scan is identical
    # the app's role has its grants again: it can read and write, and not rewrite the trail
    code = (
        "from sqlalchemy import text\n"
        "from eoffice import create_app\n"
        "from eoffice.platform.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(db.session.execute(text('SELECT count(*) FROM app_user')).scalar())\n"
        "    try:\n"
        "        db.session.execute(text('DELETE FROM audit_event'))\n"
        "    except Exception as e:\n"
        "        print(type(e.orig).__name__)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=dst, capture_output=True, text=True
    )
    users, refusal = r.stdout.split()[-2:]
    assert int(users) > 10 and refusal == "InsufficientPrivilege", r.stdout + r.stderr

    # a second restore into the now full site is refused; a damaged backup is named
    again = flask(dst, "backup", "restore", str(folder), check=False)
    assert again.returncode == 1 and "not empty" in again.stdout
    dump = folder / "database.dump"
    original = dump.read_bytes()
    dump.write_bytes(original[:-10] + b"0123456789")
    damaged = flask(dst, "backup", "verify", str(folder), check=False)
    assert damaged.returncode == 1 and "database.dump" in damaged.stdout
    dump.write_bytes(original)

    # hostile round 3, item 7: the store's part taken out together with its manifest line
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["parts"]["storage.tar"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "storage.tar").unlink()
    cut = flask(dst, "backup", "verify", str(folder), check=False)
    assert cut.returncode == 1 and "not signed" in cut.stdout
    # and had the signature been left out of the check, the list of required parts names it
    forced = flask(dst, "backup", "restore", "--force", "--unsigned", str(folder), check=False)
    assert forced.returncode == 1 and "storage.tar: missing" in forced.stdout


def test_a_corrupted_stored_file_is_named_by_storage_check(server_uri, tmp_path):
    src = site(server_uri, tmp_path, "chk")
    flask(src, "db", "upgrade")
    sha = put_scan(src)
    path = Path(src["EOFFICE_STORAGE_DIR"]) / sha[:2] / sha[2:4] / sha
    path.write_bytes(b"%PDF-1.4 not what was stored")
    r = flask(src, "storage", "check", check=False)
    assert r.returncode == 1 and f"CORRUPT: document {sha}" in r.stdout
