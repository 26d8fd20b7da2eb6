"""Page-or-fragment helpers: one macro renders both (see STYLE.md)."""

from flask import make_response, redirect, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def add_vary(response):
    """after_request: a URL that answers both pages and fragments must say so to caches."""
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str):
    """Post/redirect/get for both worlds. htmx cannot see a 302 (the browser's XHR follows it
    silently), so it gets 200 with HX-Redirect and navigates itself."""
    if is_htmx():
        resp = make_response("", 200)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)
