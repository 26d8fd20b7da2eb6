"""The main navigation: one list, so the header and tests agree on it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from eoffice.org.current import may
from eoffice.web.i18n import term, translate
from eoffice.web.urls import url_for


def _l(msgid: str) -> str:
    """A label to translate when shown (marked for `make i18n-extract` by this name)."""
    return msgid


@dataclass
class NavItem:
    key: str
    label: str
    url: str
    is_current: bool
    #: a count shown beside the label (unread items in the inbox)
    badge: int = 0


#: (key, label, endpoint). An item whose endpoint does not exist yet is not shown (a greyed-out
#: placeholder cost every page bytes on 2G and told the user nothing they could use).
ITEMS = [
    ("inbox", _l("Inbox"), "movement.inbox"),
    ("receipts", _l("Receipts"), "receipts.index"),
    ("files", None, "files.index"),  # the office's own word: पत्रावलियाँ / नस्तियाँ
    ("dispatch", _l("Dispatch"), "dispatch.register"),
    ("search", _l("Search"), "search.index"),
    ("reports", _l("Reports"), "reports.index"),
    ("office", _l("Office"), "org.directory"),
    ("admin", _l("Administration"), "admin.index"),
]


def navigation() -> list[NavItem]:
    items = []
    for key, label, endpoint in ITEMS:
        if endpoint not in current_app.view_functions:
            continue
        if not may(endpoint):  # the route's own rule (Administration: the admins)
            continue
        badge = 0
        if key == "inbox":
            from eoffice.movement.services import unread_count
            from eoffice.org.current import current_actor

            badge = unread_count(current_actor())
        items.append(
            NavItem(
                key=key,
                label=translate(label) if label else term("files"),
                url=url_for(endpoint),
                is_current=request.endpoint == endpoint,
                badge=badge,
            )
        )
    return items
