"""India's clock. Stored timestamps are UTC; every date a user sees or enters, every "today"
(form defaults, "not in the future", due dates, numbering years, day boundaries) is the
office's zone (Asia/Kolkata unless EOFFICE_TIMEZONE says otherwise), never the server's."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from flask.globals import _cv_app  # the app context itself (zone() is on a hot path)

DEFAULT_ZONE = "Asia/Kolkata"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The office's time zone (BABEL_DEFAULT_TIMEZONE, from EOFFICE_TIMEZONE). Asked for every
    date a page shows: the app context is read directly, not through Flask's proxies."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return _zone(ctx.app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)
    return _zone(os.environ.get("EOFFICE_TIMEZONE", DEFAULT_ZONE))


def now() -> datetime:
    """Now, aware, in UTC (what is stored)."""
    return datetime.now(UTC)


def local(moment: datetime) -> datetime:
    """A stored timestamp in the office's zone (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_now() -> datetime:
    return local(now())


def today() -> date:
    """Today in India, whatever the server's own clock and zone say."""
    return local_now().date()


def local_date(moment: datetime) -> date:
    """The Indian calendar day of a stored timestamp."""
    return local(moment).date()


def start_of(day: date) -> datetime:
    """The UTC instant at which an Indian calendar day begins (for day boundaries in SQL)."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


#: how days are typed: India's day-month-year first (and shown so), ISO and slashes accepted
DAY_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]


def parse_day(value: str | None) -> date | None:
    """A typed day ("02-12-2026", "2026-12-02", "02/12/2026", "02.12.2026"), or None."""
    value = (value or "").strip()[:20]
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_local(value: str) -> datetime:
    """ "02-12-2026 14:05[:30]" (or ISO, "2026-12-02 14:05") in the office's zone → aware UTC."""
    value = " ".join(value.split())
    for fmt in ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            naive = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone()).astimezone(UTC)
    raise ValueError(value)
