"""Static files under content-hashed names, cached for a year.

`asset_url('css/app.css')` gives `/s/css/app.3f2a1b9c0d.css`; a changed file gets a new
name, so browsers on slow links never revalidate what they already have.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

from eoffice.policy.routes import public_static

bp = Blueprint("assets", __name__)
ONE_YEAR = 365 * 24 * 3600


def build_manifest(static_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(logical name → hashed name, hashed name → logical name)."""
    forward, backward = {}, {}
    for path in sorted(static_dir.rglob("*")):
        if not path.is_file():
            continue
        logical = path.relative_to(static_dir).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        stem, dot, ext = logical.rpartition(".")
        hashed = f"{stem}.{digest}.{ext}" if dot else f"{logical}.{digest}"
        forward[logical] = hashed
        backward[hashed] = logical
    return forward, backward


def asset_url(logical: str) -> str:
    return "/s/" + current_app.extensions["eoffice_assets"][0][logical]


@bp.get("/s/<path:hashed>")
@public_static
def file(hashed: str):
    logical = current_app.extensions["eoffice_assets"][1].get(hashed)
    if logical is None:
        abort(404)
    resp = send_from_directory(current_app.config["STATIC_DIR"], logical, max_age=ONE_YEAR)
    resp.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return resp


@bp.get("/favicon.ico")
@public_static
def favicon():
    """Browsers ask for it whatever the page says (PDFs, the first visit): a 300-byte icon
    kept for a year, not a 404 on every cold visit."""
    resp = send_from_directory(current_app.config["STATIC_DIR"], "favicon.ico", max_age=ONE_YEAR)
    resp.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}"
    return resp
