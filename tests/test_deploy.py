"""The production kit: Debian's nginx with the shipped site (deploy/nginx/eoffice.conf) on
loopback, TLS with a certificate made here, in front of the live gunicorn: a page, an upload,
the 413, the redirect to HTTPS, the headers."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, _free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    crt, pem = tmp / "fullchain.pem", tmp / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


@pytest.fixture
def nginx(live_server, tmp_path):
    crt, pem = self_signed(tmp_path)
    https, plain = _free_port(), _free_port()
    upstream = live_server.removeprefix("http://")
    site = (ROOT / "deploy" / "nginx" / "eoffice.conf").read_text()
    for old, new in (
        ("server 127.0.0.1:8000;", f"server {upstream};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{plain};"),
        ("/etc/ssl/eoffice/fullchain.pem", str(crt)),
        ("/etc/ssl/eoffice/privkey.pem", str(pem)),
    ):
        assert old in site, old  # the test runs the shipped file, changed only here
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    temp = {k: tmp_path / k for k in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        # as root nginx's workers would be "nobody", who cannot write the test's temporary dirs
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""worker_processes 1; daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {temp["body"]}; proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]}; uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {tmp_path}/site.conf;
}}
"""
    )
    check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", https), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
            time.sleep(0.1)
    yield f"https://127.0.0.1:{https}", f"http://127.0.0.1:{plain}"
    proc.terminate()
    proc.wait(10)


class Browser:
    """urllib over HTTPS to a self-signed certificate, no redirects followed, and the session
    cookie kept by hand (http.cookiejar would not send it back to an IP address)."""

    def __init__(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **kw):
                return None

        self.op = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), NoRedirect)
        self.cookies: dict[str, str] = {}

    def fetch(self, url, data=None, headers=None):
        headers = dict(headers or {})
        if data is not None:  # as a browser does: over HTTPS Flask-WTF checks the Referer
            headers.setdefault("Referer", url)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(url, data=data, headers=headers)
        try:
            with self.op.open(req, timeout=30) as r:
                status, msg, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, msg, body = e.code, e.headers, e.read()
        for cookie in msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, dict(msg), body


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for k, (name, data, ctype) in files.items():
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_the_shipped_nginx_site_in_front_of_gunicorn(nginx):
    https, plain = nginx
    b = Browser()
    status, headers, body = b.fetch(plain + "/login")
    assert status == 301 and headers["Location"].startswith("https://")
    status, headers, body = b.fetch(https + "/login")
    assert status == 200 and "ई-ऑफिस में लॉग इन करें" in body.decode()
    assert (
        headers["X-Frame-Options"] == "DENY"
        and "default-src 'self'" in headers["Content-Security-Policy"]
    )
    asset = re.search(r'href="(/s/css/[^"]+)"', body.decode()).group(1)
    status, headers, _ = b.fetch(https + asset)
    assert status == 200 and "immutable" in headers["Cache-Control"]

    # a login and an upload through nginx: a clerk diarises a photographed letter
    from tests import samples
    from tests.test_receipts import form

    status, h0, page = b.fetch(https + "/login")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.decode()).group(
        1
    )
    login = f"csrf_token={token}&login_id=clerk.revenue&password=demo%401234".encode()
    status, headers, _ = b.fetch(
        https + "/login", login, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302 and not headers["Location"].startswith("/login"), headers.get("Location")
    status, hdrs, page = b.fetch(https + "/receipts/new")
    assert status == 200, (status, hdrs.get("Location"))
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.decode()).group(
        1
    )
    data, ctype = multipart(
        {**form(), "csrf_token": token}, {"scan": ("पत्र.jpg", samples.letter_photo(), "image/jpeg")}
    )
    status, headers, _ = b.fetch(https + "/receipts/new", data, {"Content-Type": ctype})
    assert status == 302 and re.search(r"/receipts/\d+$", headers["Location"]), status

    # a body over client_max_body_size is refused by nginx, before gunicorn
    big = b"x" * (21 * 1024 * 1024)
    status, headers, _ = b.fetch(
        https + "/receipts/new", big, {"Content-Type": "application/octet-stream"}
    )
    assert status == 413 and headers.get("Server", "").startswith("nginx")


def test_make_seed_compiles_the_catalogues():
    """`make seed` then a server left the pages in English under lang="hi": the catalogues
    were not compiled. `make -n` shows what would run when a catalogue changed, running nothing."""
    out = subprocess.run(
        ["make", "-n", "seed", "-W", "translations/hi/LC_MESSAGES/messages.po"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pybabel compile" in out and "-l hi" in out


@pytest.mark.parametrize(
    ("bind", "starts"),
    [
        ("0.0.0.0:8000", False),
        ("10.1.2.3:8000", False),
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("unix:/run/eoffice/gunicorn.sock", True),
    ],
)
def test_behind_a_proxy_gunicorn_listens_only_on_this_machine(bind, starts):
    """Hostile round 3, item 6: with EOFFICE_PROXIES=1 a client reaching gunicorn's port
    directly spoofed its address; the settings refuse any bind but loopback or a socket."""
    import runpy
    from unittest import mock

    conf = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")
    with mock.patch.dict(os.environ, {"EOFFICE_PROXIES": "1", "EOFFICE_BIND": bind}):
        if starts:
            assert runpy.run_path(conf)["bind"] == bind
        else:
            with pytest.raises(SystemExit, match="127.0.0.1 or a Unix socket"):
                runpy.run_path(conf)
