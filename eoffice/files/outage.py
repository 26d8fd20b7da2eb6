"""Days without the server (डाउनटाइम पंजी): the office records when the server was down and
why; dak received on paper then is diarised afterwards with its real received date (its
diary number follows the order of entry, its pendency runs from the real day), and orders
passed on paper are entered on their files as notes dated when they were passed. The register
lists each downtime with the entries made afterwards. Services flush; the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eoffice.files.models import Note
from eoffice.org.models import Office, Role
from eoffice.platform import audit
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line
from eoffice.policy import Actor
from eoffice.receipts.models import Downtime, Receipt

REFUSED = {
    "not_allowed": _l("Only the office's administrator or its dak desk records a downtime."),
    "dates": _l("Enter the first and last day the server was down (dd-mm-yyyy)."),
    "order": _l("The last day cannot be before the first."),
    "future": _l("A downtime is recorded after it: the days cannot be in the future."),
    "too_old": _l("A downtime more than a year ago cannot be recorded now."),
    "too_long": _l("One entry covers at most 31 days: record a longer outage in parts."),
    "reason": _l("Say why the server was down (at least a few words)."),
    "overlap": _l("These days overlap a downtime already recorded (%(period)s)."),
}

#: the longest downtime one entry covers
MAX_DAYS = 31


def may_record(actor: Actor, office: Office) -> bool:
    if actor.role == Role.DISTRICT_ADMIN and actor.office is not None:
        return office.district_id == actor.office.district_id
    if actor.role == Role.OFFICE_ADMIN:
        return actor.office_id == office.id
    return office.dak_post_id is not None and actor.charge_for(office.dak_post_id) is not None


def record(actor: Actor, office: Office, starts_on, ends_on, reason: str) -> Downtime:
    if not may_record(actor, office):
        raise Refused("not_allowed")
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise Refused("dates")
    if ends_on < starts_on:
        raise Refused("order")
    if ends_on > today():
        raise Refused("future")
    if starts_on < today() - timedelta(days=366):
        raise Refused("too_old")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise Refused("too_long")
    reason = clean_line(reason)[:500]
    if len(reason) < 3:
        raise Refused("reason")
    clash = db.session.scalar(
        select(Downtime).where(
            Downtime.office_id == office.id,
            Downtime.starts_on <= ends_on,
            Downtime.ends_on >= starts_on,
        )
    )
    if clash is not None:
        raise Refused("overlap", period=f"{clash.starts_on:%d-%m-%Y} – {clash.ends_on:%d-%m-%Y}")
    d = Downtime(
        office_id=office.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        recorded_by_id=actor.id,
    )
    db.session.add(d)
    db.session.flush()
    audit.record(
        "downtime_record", user_id=actor.id, object_type="office", object_id=office.id,
        downtime_id=d.id, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
        reason=reason,
    )  # fmt: skip
    return d


def covering(office_id: int, day: date | None) -> Downtime | None:
    """The office's recorded downtime that includes `day`."""
    if day is None:
        return None
    return db.session.scalar(
        select(Downtime).where(
            Downtime.office_id == office_id, Downtime.starts_on <= day, Downtime.ends_on >= day
        )
    )


@dataclass
class Line:
    downtime: Downtime
    receipts: int
    notes: int


def register(office: Office, limit: int = 500) -> list[Line]:
    rows = db.session.execute(
        select(
            Downtime,
            select(func.count(Receipt.id))
            .where(Receipt.outage_id == Downtime.id)
            .scalar_subquery(),
            select(func.count(Note.id)).where(Note.downtime_id == Downtime.id).scalar_subquery(),
        )
        .where(Downtime.office_id == office.id)
        .order_by(Downtime.starts_on.desc())
        .limit(limit)
    ).all()
    return [Line(d, r, n) for d, r, n in rows]


def entries(d: Downtime) -> tuple[list[Receipt], list[Note]]:
    """The receipts and notes entered afterwards for this downtime, in the order entered."""
    receipts = list(
        db.session.scalars(select(Receipt).where(Receipt.outage_id == d.id).order_by(Receipt.id))
    )
    notes = list(db.session.scalars(select(Note).where(Note.downtime_id == d.id).order_by(Note.id)))
    return receipts, notes
