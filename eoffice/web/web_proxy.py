"""X-Forwarded-For believed only from the proxy (nginx): with EOFFICE_PROXIES=1, a client that
reached gunicorn's port directly used to choose its own address and so escaped every
per-address limit (login, /verify, /status)."""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """werkzeug's ProxyFix, applied only to requests whose peer is one of `addresses` (or a
    Unix socket, which only this machine can reach); other requests keep their peer address
    and lose the forwarded headers."""

    def __init__(self, app, proxies: int, addresses: str):
        self.app = app
        self.fixed = ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=proxies)
        self.trusted = {a.strip() for a in addresses.split(",") if a.strip()}

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR") or ""
        if peer == "" or peer in self.trusted:  # "" : gunicorn on a Unix socket
            return self.fixed(environ, start_response)
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST"):
            environ.pop(header, None)
        return self.app(environ, start_response)
