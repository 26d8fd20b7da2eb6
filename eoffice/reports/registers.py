"""Registers for a date range, ready to print: the dak register (आवक पंजी) and the dispatch
register (प्रेषण पंजी) of the user's office — as a page, a CSV and a Hindi PDF.

The dak register lists only the receipts the viewer may open (the search's access rules, in
SQL); the dispatch register is the office's, as on /dispatch. A PDF is made for at most
REGISTER_PDF_ROWS rows (WeasyPrint lays out a few hundred table rows a second on this machine), one at a
time per user among the heavy slots; a longer period is asked to be split
(EOFFICE_REGISTER_PDF_ROWS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.dispatch.models import Dispatch
from eoffice.platform.clock import parse_day, today, zone
from eoffice.platform.extensions import db
from eoffice.policy import Actor, openable
from eoffice.receipts.models import Receipt

#: rows on a page or in a CSV (a year of a collectorate's dak fits)
MAX_ROWS = 5000
MAX_DAYS = 366


@dataclass
class Period:
    start: date
    end: date
    #: what was wrong with what was typed ("" when it was fine or nothing was typed)
    error: str = ""


def last_month() -> tuple[date, date]:
    first_this = today().replace(day=1)
    end = first_this - timedelta(days=1)
    return end.replace(day=1), end


def period(raw_from: str | None, raw_to: str | None) -> Period:
    """The period asked for; last month when nothing (or nonsense) was asked."""
    start, end = parse_day(raw_from), parse_day(raw_to)
    default = Period(*last_month())
    if not raw_from and not raw_to:
        return default
    if start is None or end is None:
        return Period(default.start, default.end, "date")
    if end < start:
        return Period(default.start, default.end, "order")
    if (end - start).days >= MAX_DAYS:
        return Period(default.start, default.end, "long")
    return Period(start, end)


def _bounds(p: Period) -> tuple[datetime, datetime]:
    """India's midnight at the start of the first day and after the last."""
    tz = zone()
    return (
        datetime.combine(p.start, time(), tzinfo=tz),
        datetime.combine(p.end + timedelta(days=1), time(), tzinfo=tz),
    )


def dak(actor: Actor, p: Period, limit: int = MAX_ROWS + 1) -> list[Receipt]:
    return list(
        db.session.scalars(
            select(Receipt)
            .where(
                Receipt.office_id == actor.office_id,
                Receipt.received_on.between(p.start, p.end),
                openable(actor, Receipt),
            )
            .options(selectinload(Receipt.holder_post))
            .order_by(Receipt.diary_year, Receipt.diary_serial)
            .limit(limit)
        )
    )


def dispatches(actor: Actor, p: Period, limit: int = MAX_ROWS + 1) -> list[Dispatch]:
    lo, hi = _bounds(p)
    return list(
        db.session.scalars(
            select(Dispatch)
            .where(
                Dispatch.office_id == actor.office_id,
                Dispatch.issued_at >= lo,
                Dispatch.issued_at < hi,
            )
            .options(selectinload(Dispatch.recipients), selectinload(Dispatch.file))
            .order_by(Dispatch.year, Dispatch.serial)
            .limit(limit)
        )
    )
