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


def page_or_fragment(page: str, fragment: str, macro: str, status: int = 200, **context):
    """The whole page, or for htmx just the one macro that the page itself calls."""
    from flask import get_template_attribute, render_template

    if is_htmx():
        return get_template_attribute(fragment, macro)(**context), status
    return render_template(page, **context), status
