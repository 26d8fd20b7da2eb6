"""Page-or-fragment helpers: one macro renders both (see STYLE.md)."""

import hashlib
import json

from flask import make_response, redirect, request

#: htmx's settings, on each page that uses it as <meta name="htmx-config"> (htmx reads it when
#: it starts, also when static/js/note.js loads it late; one request fewer than a settings
#: script on 2G). No inline styles or eval (the CSP forbids both); no history cache (pages
#: hold CSRF tokens); 4xx answers are fragments with a message in the user's language, so
#: they are swapped in.
CONFIG = json.dumps(
    {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "historyCacheSize": 0,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[23]..", "swap": True},
            {"code": "4..", "swap": True, "error": False},
            {"code": "...", "swap": False, "error": True},
        ],
    },
    separators=(",", ":"),
)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def add_vary(response):
    """after_request: a URL that answers both pages and fragments must say so to caches."""
    response.vary.add("HX-Request")
    if is_upload_xhr():
        response.vary.add("X-Upload")
    return response


def is_upload_xhr() -> bool:
    """A form sent by static/js/upload.js (photos shrunk in the browser, with progress)."""
    return request.headers.get("X-Upload") == "1"


def redirect_to(url: str):
    """Post/redirect/get for both worlds. htmx and upload.js cannot see a 302 (the browser's
    XHR follows it silently, and the flash message is spent on a page nobody sees), so they
    get 200 with HX-Redirect and navigate themselves."""
    if is_htmx() or is_upload_xhr():
        resp = make_response("", 200)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)


def page_or_fragment(page: str, fragment: str, macro: str, status: int = 200, **context):
    """The whole page, or for htmx just the one macro that the page itself calls."""
    from flask import get_template_attribute, render_template

    if is_htmx():
        render = get_template_attribute(fragment, macro)
        # the page may need more than the fragment (filter lists, labels): pass the macro its own
        body = render(**{k: v for k, v in context.items() if k in render.arguments})
        if request.method == "GET" and status == 200:
            return revalidated(body)
        return body, status
    return render_template(page, **context), status


def revalidated(body: str):
    """A fragment the browser may keep and must revalidate: a weak ETag of the body (weak, so
    compression keeps it), `private, no-cache`. An unchanged inbox refresh on 2G is then a 304
    of a few hundred bytes instead of the whole table. Whole pages carry a fresh CSRF token
    each time, so only fragments get this."""
    resp = make_response(body)
    resp.set_etag(hashlib.blake2b(body.encode(), digest_size=12).hexdigest(), weak=True)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp.make_conditional(request)
