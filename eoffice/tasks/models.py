"""कार्य and अनुस्मारक: tasks an officer gives a post, and reminders about an item sent to its
holder. Both are kept: a task's progress and a reminder stay on the record."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.files.models import File
from eoffice.org.models import Post, User
from eoffice.platform.extensions import db
from eoffice.platform.items import NamesAnItem
from eoffice.receipts.models import Receipt


class Reminder(NamesAnItem, db.Model):
    """अनुस्मारक: an officer reminds the holder of an overdue file or receipt."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(10))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("efile.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), index=True)
    from_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    to_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    message: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
    seen_at: Mapped[datetime | None]
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)

    file: Mapped[File | None] = relationship()
    receipt: Mapped[Receipt | None] = relationship()
    from_post: Mapped[Post] = relationship(foreign_keys=[from_post_id])
    to_post: Mapped[Post] = relationship(foreign_keys=[to_post_id])
    sent_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(item_kind = 'file' AND file_id IS NOT NULL AND receipt_id IS NULL) OR "
            "(item_kind = 'receipt' AND receipt_id IS NOT NULL AND file_id IS NULL)",
            name="one_item",
        ),
        CheckConstraint("char_length(message) <= 2000", name="message_length"),
    )

    @property
    def item(self) -> File | Receipt:
        return self.file if self.item_kind == "file" else self.receipt


class Task(db.Model):
    """कार्य: given by an officer to a post, on its own or about a file or receipt, with a due
    date; the post's holder records progress and marks it done with a remark."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("efile.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    from_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    to_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    #: open, done
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    done_at: Mapped[datetime | None]
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)

    file: Mapped[File | None] = relationship()
    receipt: Mapped[Receipt | None] = relationship()
    from_post: Mapped[Post] = relationship(foreign_keys=[from_post_id])
    to_post: Mapped[Post] = relationship(foreign_keys=[to_post_id])
    assigned_by: Mapped[User] = relationship()
    updates: Mapped[list[TaskUpdate]] = relationship(
        back_populates="task", order_by="TaskUpdate.id"
    )

    __table_args__ = (
        CheckConstraint("status IN ('open','done')", name="status"),
        CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_at"),
        CheckConstraint("char_length(details) <= 5000", name="details_length"),
    )

    kind_name = "task"


class TaskUpdate(db.Model):
    """Progress on a task (or its completion), in the holder's words."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    remarks: Mapped[str] = mapped_column(Text)
    is_done: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    idempotency_key: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)

    task: Mapped[Task] = relationship(back_populates="updates")
    by: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()

    __table_args__ = (CheckConstraint("char_length(remarks) <= 5000", name="remarks_length"),)
