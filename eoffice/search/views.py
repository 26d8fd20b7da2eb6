"""/search: one box across files, receipts, letters and dispatches (a GET form: it works
without JavaScript; with htmx the results refresh as one types)."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from eoffice.org.current import current_actor
from eoffice.platform.items import KINDS, item_url
from eoffice.platform.locks import heavy_slot
from eoffice.platform.replica import read_session
from eoffice.policy.routes import login_required
from eoffice.search import services
from eoffice.web.htmx import page_or_fragment

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.get("/")
@login_required
def index():
    q = services.clean(request.args.get("q", ""))
    f = services.Filters.from_args(request.args)
    after = services.parse_cursor(request.args.get("after"))
    s = read_session()  # heavy and read-only: a replica serves it when there is one
    hits, more, keys, too_broad, busy = [], False, [], False, False
    if q:
        exact = services.by_number(current_actor(), q, s)
        if len(exact) == 1:  # a file, diary or dispatch number: straight to it
            kind, item_id = exact[0]
            return redirect(_url(kind, item_id, s))
        # a few searches at a time (slots held on the primary until the request ends)
        if not heavy_slot(
            f"user:{current_user.id}", current_app.config["SEARCH_SLOTS"], kind="search"
        ):
            busy = True
        else:
            try:
                hits, more, keys = services.search(
                    current_actor(), q, f, after, s, timeout_ms=_timeout_ms()
                )
            except services.TooBroad:
                too_broad = True
    return page_or_fragment(
        "search/index.html", "search/_results.html", "results", 429 if busy else 200,
        q=q, f=f, hits=hits, after=after, keys=keys, too_broad=too_broad, busy=busy,
        next_after=services.cursor_of(hits[-1]) if more and hits else None, choices=_choices(f),
    )  # fmt: skip


def _url(kind: str, item_id: int, s) -> str:
    if kind in KINDS:  # a file or a receipt
        return item_url(kind, item_id)
    from eoffice.dispatch.models import Dispatch

    d = s.get(Dispatch, item_id)
    return url_for("dispatch.issue", file_id=d.file_id, serial=d.draft.serial)


def _choices(f: services.Filters) -> dict:
    """The filter lists: the offices the user may search in, and the sections and categories
    of the chosen office (or the user's own: a district's 200 sections would weigh the page)."""
    from flask_login import current_user
    from sqlalchemy import select

    from eoffice.org.models import Section
    from eoffice.org.services import visible_offices
    from eoffice.platform.extensions import db
    from eoffice.receipts.models import ReceiptCategory

    offices = visible_offices(current_actor())
    office_id = f.office if f.office in {o.id for o in offices} else current_user.office_id
    return {
        "offices": offices,
        "sections": list(db.session.scalars(
            select(Section).where(Section.office_id == office_id).order_by(Section.id))),
        "categories": list(db.session.scalars(
            select(ReceiptCategory).where(ReceiptCategory.office_id == office_id)
            .order_by(ReceiptCategory.id))),
    }  # fmt: skip


def _timeout_ms() -> int:
    from flask import current_app

    return current_app.config["SEARCH_TIMEOUT_MS"]
