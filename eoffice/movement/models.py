"""Movement: one mechanism that moves files and receipts between posts.

The item (file or receipt) carries its one current holder in a NOT NULL column that is only
changed under a row lock; every hop is a `movement` row, and at most one hop per item is
in flight (sent, not yet acted on or pulled back), enforced by partial unique indexes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.files.models import File
from eoffice.org.models import Delegation, District, Office, Post, User, _pick
from eoffice.platform.extensions import db
from eoffice.platform.items import NamesAnItem
from eoffice.receipts.models import Receipt, ReceiptCategory

IN_FLIGHT = text("acted_at IS NULL AND pulled_back_at IS NULL")


class Movement(NamesAnItem, db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: 'file' or 'receipt' (and later letters between offices)
    item_kind: Mapped[str] = mapped_column(String(10))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("efile.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    from_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    to_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: Set when the sender acted under a delegation: shown as "X for Y".
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    remarks: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    due_on: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
    opened_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: The recipient sent it on (or closed it): the hop is over.
    acted_at: Mapped[datetime | None]
    pulled_back_at: Mapped[datetime | None]
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)

    file: Mapped[File | None] = relationship(foreign_keys=[file_id])
    receipt: Mapped[Receipt | None] = relationship(foreign_keys=[receipt_id])
    from_post: Mapped[Post] = relationship(foreign_keys=[from_post_id])
    to_post: Mapped[Post] = relationship(foreign_keys=[to_post_id])
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    delegation: Mapped[Delegation | None] = relationship()
    copies: Mapped[list[MovementCopy]] = relationship(back_populates="movement")

    __table_args__ = (
        CheckConstraint(
            "(item_kind = 'file' AND file_id IS NOT NULL AND receipt_id IS NULL) OR "
            "(item_kind = 'receipt' AND receipt_id IS NOT NULL AND file_id IS NULL)",
            name="one_item",
        ),
        CheckConstraint("from_post_id <> to_post_id", name="not_to_self"),
        CheckConstraint("priority IN ('normal','immediate','most_immediate')", name="priority"),
        Index("uq_movement_in_flight_file", "file_id", unique=True, postgresql_where=IN_FLIGHT),
        Index(
            "uq_movement_in_flight_receipt", "receipt_id", unique=True, postgresql_where=IN_FLIGHT
        ),
        Index("ix_movement_file", "file_id", "id"),
        Index("ix_movement_receipt", "receipt_id", "id"),
        # a desk's items, read from the index alone (eoffice.policy.grants.PassedThrough.ids)
        Index(
            "ix_movement_from_post",
            "from_post_id",
            "id",
            postgresql_include=["file_id", "receipt_id"],
        ),
        Index("ix_movement_to_post_id", "to_post_id", postgresql_include=["file_id", "receipt_id"]),
        # the files sent to a desk and not yet opened: the navigation's unread count on every
        # page (a hundredth of the movements; it looked up the last movement of every held file)
        Index(
            "ix_movement_unread",
            "to_post_id",
            postgresql_include=["file_id"],
            postgresql_where=text("opened_at IS NULL"),
        ),
        Index(
            "ix_movement_acted",
            "acted_at",
            "to_post_id",
            postgresql_where=text("acted_at IS NOT NULL"),
        ),
    )

    @property
    def item(self) -> File | Receipt:
        return self.file if self.file_id is not None else self.receipt

    @property
    def number(self) -> str:
        return self.item.number

    @property
    def is_in_flight(self) -> bool:
        return self.acted_at is None and self.pulled_back_at is None


class MovementCopy(db.Model):
    """प्रतिलिपि: a post marked for information on a movement; it does not hold the item."""

    movement_id: Mapped[int] = mapped_column(ForeignKey("movement.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True, index=True)
    read_at: Mapped[datetime | None]

    movement: Mapped[Movement] = relationship(back_populates="copies")
    post: Mapped[Post] = relationship()


class PaperMove(db.Model):
    """भौतिक पत्रावली पंजी: one hand-over of a file's paper volume (a paper file, or the paper
    part of an e-file): registered with its cover label, then received by a post — by scanning
    the label's QR on a phone, or by typing the number. The track shows these beside the
    electronic movements."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"))
    from_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    to_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: registered (its label printed), qr (the label scanned), typed (the number typed)
    how: Mapped[str] = mapped_column(String(10))

    file: Mapped[File] = relationship()
    from_post: Mapped[Post | None] = relationship(foreign_keys=[from_post_id])
    to_post: Mapped[Post] = relationship(foreign_keys=[to_post_id])
    by: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_paper_move_file", "file_id", "id"),
        CheckConstraint("how IN ('registered','qr','typed')", name="how"),
    )


class Holiday(db.Model):
    """The holiday calendar: district-wide (office NULL) or for one office."""

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    on: Mapped[date] = mapped_column(Date)
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    district: Mapped[District] = relationship()
    office: Mapped[Office | None] = relationship()

    __table_args__ = (
        UniqueConstraint("district_id", "office_id", "on", name="uq_holiday_day"),
        Index("ix_holiday_district_on", "district_id", "on"),
    )

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class TimeLimit(db.Model):
    """Working days allowed per hop, by category (NULL: any) and priority."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_category.id"))
    priority: Mapped[str] = mapped_column(String(20))
    working_days: Mapped[int]

    category: Mapped[ReceiptCategory | None] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "office_id",
            "category_id",
            "priority",
            name="uq_time_limit",
            postgresql_nulls_not_distinct=True,
        ),
        # at least a working day: 0 would be stricter than तत्काल (migration 0031)
        CheckConstraint("working_days BETWEEN 1 AND 365", name="working_days"),
        CheckConstraint("priority IN ('normal','immediate','most_immediate')", name="priority"),
    )


class RouteTemplate(db.Model):
    """The usual path of a category's papers through the office, e.g. शस्त्र लाइसेंस."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("receipt_category.id"))

    category: Mapped[ReceiptCategory] = relationship()
    steps: Mapped[list[RouteStep]] = relationship(order_by="RouteStep.position")

    __table_args__ = (UniqueConstraint("office_id", "category_id", name="uq_route_category"),)


class RouteStep(db.Model):
    route_id: Mapped[int] = mapped_column(ForeignKey("route_template.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))

    post: Mapped[Post] = relationship()
