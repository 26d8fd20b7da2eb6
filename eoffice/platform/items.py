"""What a file (पत्रावली) and a receipt (डाक) share as items that move from desk to desk: a kind,
a number, a page, and the column that names them in the tables that follow them (movement,
reminder). One shape, so that movement, tasks, templates and reports need not ask which it is.

    item.kind_name           "file" / "receipt"
    item.number              the file number / the diary number
    item.url                 its page
    item.named_by(Movement)  Movement.file_id == item.id      (a where clause)
    item.as_key()            {"file_id": 7, "receipt_id": None} (a row that names it)

A row that names an item by kind and id (a movement, a reminder, a line of a list counted in
SQL) links to it with `item_url(kind, id)`; templates have it as a global.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from flask import url_for
from flask.globals import _cv_app
from sqlalchemy import ForeignKey, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

#: kind → (its page's endpoint, the column and URL argument that name it)
KINDS = {"file": ("files.show", "file_id"), "receipt": ("receipts.show", "receipt_id")}


#: an id no item has, to learn the shape of an item's URL once per request
_PROBE = 987_654_321_012_345


def item_url(kind: str, item_id: int) -> str:
    """The item's page. A list links every row: the URL's shape is built once per request
    (`url_for` with a probe id, as the app is mounted for this request) and filled per row."""
    here = _cv_app.get().g  # the request's g, read directly (once per row of a list)
    try:
        shapes = here._item_url_shapes
    except AttributeError:
        shapes = here._item_url_shapes = {}
    shape = shapes.get(kind)
    if shape is None:
        endpoint, arg = KINDS[kind]
        shape = shapes[kind] = url_for(endpoint, **{arg: _PROBE}).split(str(_PROBE))
    return f"{shape[0]}{int(item_id)}{shape[1]}"


class MovableItem:
    """The columns a file and a receipt both have (each keeps its own `last_movement_id`, whose
    foreign key is named after its table, and its relationships)."""

    kind_name: ClassVar[str]
    id: Any

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    subject: Mapped[str] = mapped_column(String(1000))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_category.id"))
    grading: Mapped[str] = mapped_column(String(20), default="normal")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    #: From a hidden form field: a resubmitted form finds its item instead of making another.
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: indexed: a desk's own items are found by it (eoffice.policy.grants.Creator.ids)
    created_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    #: Exactly one holder at any time: NOT NULL, and changed only under a row lock.
    holder_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: When the current holder received it (made, moved to it, or pulled back).
    held_since: Mapped[datetime] = mapped_column(server_default=func.now())

    @property
    def url(self) -> str:
        return item_url(self.kind_name, self.id)

    @property
    def item_key(self) -> str:
        return KINDS[self.kind_name][1]

    def named_by(self, model) -> Any:
        return getattr(model, self.item_key) == self.id

    def as_key(self) -> dict[str, int | None]:
        return {
            arg: self.id if kind == self.kind_name else None for kind, (_, arg) in KINDS.items()
        }


class NamesAnItem:
    """A row naming a file or a receipt by `item_kind` and `file_id` / `receipt_id`."""

    item_kind: Any
    file_id: Any
    receipt_id: Any

    @property
    def item_id(self) -> int:
        return self.file_id if self.item_kind == "file" else self.receipt_id

    @property
    def item_url(self) -> str:
        return item_url(self.item_kind, self.item_id)
