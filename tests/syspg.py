"""A system PostgreSQL cluster of a test's own (Debian's `postgresql` package: the server a
production office runs), with a pgBackRest configuration beside it: repository, logs, locks
and the cluster's data folder in one throwaway directory. Run as the `postgres` OS user when
the tests run as root (PostgreSQL refuses root), else as ourselves.

    pg = syspg.Cluster.create()      # initdb + pgbackrest.conf; pg.start()
    pg.admin_uri                     # a superuser URL over the cluster's own socket
    pg.crash()                       # SIGKILL the postmaster and delete its data folder
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port

STANZA = "eoffice"


def pg_bin() -> Path:
    """The newest Debian PostgreSQL's binaries (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not found:
        raise RuntimeError(
            "no system PostgreSQL: apt-get install postgresql (make system-deps-test)"
        )
    return found[-1].parent


def os_user() -> str | None:
    """The OS user the cluster runs as: `postgres` when we are root, else None (ourselves)."""
    return "postgres" if os.geteuid() == 0 else None


def as_user(cmd: list[str]) -> list[str]:
    user = os_user()
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@dataclass
class Cluster:
    dir: Path
    port: int

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def sock(self) -> Path:
        return self.dir / "sock"

    @property
    def config(self) -> Path:
        return self.dir / "pgbackrest.conf"

    @property
    def admin_uri(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.sock}&port={self.port}"

    @property
    def env(self) -> dict[str, str]:
        """What the app needs to drive pgBackRest for this cluster."""
        return {
            "EOFFICE_PGBACKREST_STANZA": STANZA,
            "EOFFICE_PGBACKREST_CONFIG": str(self.config),
            "EOFFICE_PGBACKREST_USER": os_user() or "",
        }

    @classmethod
    def create(cls) -> Cluster:
        root = Path(tempfile.mkdtemp(prefix="eoffice-syspg-"))
        for sub in ("sock", "repo", "log", "lock", "spool"):
            (root / sub).mkdir()
        c = cls(dir=root, port=free_port())
        c.config.write_text(
            "[global]\n"
            f"repo1-path={root / 'repo'}\n"
            f"log-path={root / 'log'}\n"
            f"lock-path={root / 'lock'}\n"
            f"spool-path={root / 'spool'}\n"
            "log-level-console=warn\n"
            "log-level-file=info\n"
            "compress-type=gz\n"
            f"\n[{STANZA}]\n"
            f"pg1-path={c.data}\n"
            f"pg1-port={c.port}\n"
            f"pg1-socket-path={c.sock}\n"
            "pg1-user=postgres\n"
        )
        user = os_user()
        if user:
            pw = pwd.getpwnam(user)
            for p in [root, *root.rglob("*")]:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        subprocess.run(
            as_user([str(pg_bin() / "initdb"), "-D", str(c.data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, capture_output=True,
        )  # fmt: skip
        with (c.data / "postgresql.conf").open("a") as f:
            f.write(
                f"port = {c.port}\nlisten_addresses = ''\nunix_socket_directories = '{c.sock}'\n"
                "max_wal_senders = 3\nfsync = on\n"
            )
        return c

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            as_user([str(pg_bin() / "pg_ctl"), "-D", str(self.data), *args]),
            capture_output=True, text=True, check=check, cwd="/",
        )  # fmt: skip

    def start(self) -> None:
        r = self.pg_ctl("-w", "-t", "120", "-l", str(self.dir / "log" / "server.log"), "start",
                        check=False)  # fmt: skip
        if r.returncode != 0:
            raise RuntimeError(r.stdout + r.stderr + self.log_tail())

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-w", "-m", "fast", "stop", check=False)

    def crash(self) -> None:
        """The primary dies with its disk: SIGKILL the postmaster, delete the data folder."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(self.data)
        self.data.mkdir()
        user = os_user()
        if user:
            pw = pwd.getpwnam(user)
            os.chown(self.data, pw.pw_uid, pw.pw_gid)
        os.chmod(self.data, 0o700)

    def log_tail(self) -> str:
        try:
            return (self.dir / "log" / "server.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def remove(self) -> None:
        self.stop()
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            self.pg_ctl("-w", "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
