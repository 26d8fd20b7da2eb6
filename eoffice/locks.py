"""Postgres locks held until the request's transaction ends (commit or rollback)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select, text

from eoffice.extensions import db

T = TypeVar("T")


def advisory_lock(key: str) -> None:
    """Serialise everyone who takes the same key (e.g. two submissions of one form)."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def lock_row(obj: T) -> T:
    """Re-read a loaded row with SELECT … FOR UPDATE, refreshing its attributes."""
    model = type(obj)
    return db.session.scalars(
        select(model)
        .where(model.id == obj.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
