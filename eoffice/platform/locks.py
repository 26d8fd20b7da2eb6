"""Postgres locks held until the request's transaction ends (commit or rollback)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select, text

from eoffice.platform.extensions import db

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


def count_within(table: str, row: dict[str, str], limits: dict[str, int]) -> bool:
    """Add `row` to a table of attempts only while, for each column in `limits`, it holds fewer
    rows with that value than the limit: checked and counted in one statement, one request per
    counted value at a time (locks taken in the order of `limits`), so simultaneous tries at the
    last place never both get it. `table` and the columns come from our code, never a request."""
    for column in limits:
        advisory_lock(f"{table}:{column}:{row[column]}")
    values = ", ".join(f"CAST(:{c} AS varchar)" for c in row)
    under = " AND ".join(
        f"(SELECT count(*) FROM {table} WHERE {c} = CAST(:{c} AS varchar)) < :limit_{c}"
        for c in limits
    )
    sql = f"INSERT INTO {table} ({', '.join(row)}) SELECT {values} WHERE {under or 'true'} RETURNING id"
    params = {**row, **{f"limit_{c}": n for c, n in limits.items()}}
    return db.session.execute(text(sql), params).first() is not None


def try_advisory_lock(key: str) -> bool:
    """Take the key if nobody holds it, without waiting (released when the transaction ends)."""
    return bool(
        db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
        )
    )


def heavy_slot(who: str, slots: int, kind: str = "heavy") -> bool:
    """One of `slots` places for heavy work (checking an upload, validating signatures) across
    every gunicorn worker, and one at a time per `who` (a user, an address). False: all taken:
    the caller says "busy, try again" at once instead of queueing workers behind the work, so
    /login and the inbox keep answering while someone sends costly files."""
    if not try_advisory_lock(f"{kind}-by:{who}"):
        return False
    return any(try_advisory_lock(f"{kind}-slot:{i}") for i in range(max(1, slots)))
