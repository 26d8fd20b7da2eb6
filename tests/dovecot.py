"""A real IMAP server for the mailroom's tests: Debian's Dovecot (`dovecot-imapd`, installed by
`make test`), started unprivileged (as `nobody` when the tests run as root) on a free local
port, IMAPS with a throwaway certificate of its own CA, a throwaway mail directory, one mailbox
user. Messages are put in with Python's imaplib APPEND, as a mail server would deliver them."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.ports import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "dak@lalitpur.up.gov.in"
PASSWORD = "डाक-पासवर्ड-1"


def _certificates(d: Path) -> Path:
    """A CA and the server's certificate for 127.0.0.1 and localhost; returns the CA's file."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test mail CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return d / "ca.pem"


CONF = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
service imap {{
  chroot =
}}
service auth {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    dir: Path
    port: int
    ca_file: Path
    proc: subprocess.Popen
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4_SSL:
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        m = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ctx, timeout=10)
        plain = f"\0{self.user}\0{self.password}".encode()  # UTF-8: LOGIN is ASCII only
        m.authenticate("PLAIN", lambda _challenge: plain)
        return m

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver: each message into the folder, unseen."""
        m = self.client()
        try:
            for raw in messages:
                typ, data = m.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            m.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        m = self.client()
        try:
            m.select(folder)
            return len(m.uid("SEARCH", None, "UNSEEN")[1][0].split())
        finally:
            m.logout()

    def count(self, folder: str = "INBOX") -> int:
        m = self.client()
        try:
            typ, data = m.select(folder)
            return int(data[0])
        finally:
            m.logout()

    def create(self, folder: str) -> None:
        m = self.client()
        try:
            m.create(folder)
        finally:
            m.logout()

    def empty(self) -> None:
        """Every message of the inbox gone (between tests)."""
        m = self.client()
        try:
            if int(m.select("INBOX")[1][0]):
                m.store("1:*", "+FLAGS", "(\\Deleted)")
                m.expunge()
        finally:
            m.logout()

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        if self.proc.poll() is None:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def start() -> Dovecot:
    """In a directory of its own under /tmp (pytest's are closed to other users)."""
    d = Path(tempfile.mkdtemp(prefix="eoffice-dovecot-"))
    for sub in ("run", "state", "home"):
        (d / sub).mkdir(exist_ok=True)
    ca_file = _certificates(d)
    (d / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    if os.geteuid() == 0:  # never as root: Dovecot's own processes run as nobody
        who = pwd.getpwnam("nobody")
        user, uid, gid = who.pw_name, who.pw_uid, who.pw_gid
        group = subprocess.run(
            ["id", "-gn", user], capture_output=True, text=True, check=True
        ).stdout.strip()
        shutil.chown(d, user, group)
        for p in d.rglob("*"):
            shutil.chown(p, user, group)
        d.chmod(0o700)
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    else:
        who = pwd.getpwuid(os.geteuid())
        user, uid, gid = who.pw_name, who.pw_uid, who.pw_gid
        group = subprocess.run(["id", "-gn"], capture_output=True, text=True).stdout.strip()
        prefix = []
    conf = d / "dovecot.conf"
    conf.write_text(CONF.format(d=d, user=user, group=group, uid=uid, gid=gid, port=port))
    if os.geteuid() == 0:
        shutil.chown(conf, user, group)
    proc = subprocess.Popen(
        [*prefix, DOVECOT, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Dovecot(dir=d, port=port, ca_file=ca_file, proc=proc)
    deadline = time.monotonic() + 20
    while True:
        try:
            server.client().logout()
            return server
        except (OSError, imaplib.IMAP4.error):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (d / "dovecot.log").read_text() if (d / "dovecot.log").exists() else ""
                server.stop()
                raise RuntimeError(f"Dovecot did not start: {proc.stderr.read()!r} {log}") from None
            time.sleep(0.2)
