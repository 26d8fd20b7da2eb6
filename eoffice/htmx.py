"""Page-or-fragment helpers: one macro renders both (see STYLE.md)."""

from flask import request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def add_vary(response):
    """after_request: a URL that answers both pages and fragments must say so to caches."""
    response.vary.add("HX-Request")
    return response
