"""The time limits of the registers, and where each comes from. Days are calendar days counted
from the day after the event (General Clauses Act 1897, s. 9: the first day is excluded); a
limit that ends on a day the office is closed (a Sunday or a holiday of its calendar) moves to
the next working day (s. 10). Hours are hours.

    VIP reference       acknowledge in 15 days of receipt, reply in 15 more from the
                        acknowledgement (DARPG/CSMOP 2022 para 60 and the UP orders on
                        references from MPs and MLAs); EOFFICE_VIP_ACK_DAYS / _REPLY_DAYS
    RTI application     30 days from receipt (RTI Act 2005 s. 7(1)); 48 hours when it concerns
                        the life or liberty of a person (s. 7(1) proviso); 5 days more when it
                        came through an APIO (s. 5(2) proviso); transfer to another public
                        authority within 5 days of receipt (s. 6(3))
    RTI first appeal    30 days from receipt of the appeal (s. 19(6); 45 with reasons recorded)
    question            the date the House wants the reply (typed from the notice)
    assurance           open until fulfilled; reviewed each month (the date typed, else 3 months)
    court case          the para-wise comments or counter-affidavit: the date typed, else the
                        working day a week before the next hearing
    audit para          the date typed (the reply the audit asked for), if any
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from eoffice.movement.services import is_working_day

VIP_ACK_DAYS = 15
VIP_REPLY_DAYS = 15
RTI_DAYS = 30
RTI_LIFE_LIBERTY_HOURS = 48
APIO_DAYS = 5
TRANSFER_DAYS = 5
APPEAL_DAYS = 30
ASSURANCE_MONTHS = 3
COMMENTS_BEFORE_HEARING = 7


def open_by(day: date, off: set[date]) -> date:
    """The day itself, or the next working day if the office is closed that day."""
    while not is_working_day(day, off):
        day += timedelta(days=1)
    return day


def working_before(day: date, off: set[date]) -> date:
    """The day itself, or the working day before it."""
    while not is_working_day(day, off):
        day -= timedelta(days=1)
    return day


def days_after(start: date, days: int, off: set[date]) -> date:
    return open_by(start + timedelta(days=days), off)


def vip_ack_due(received: date, off: set[date], days: int = VIP_ACK_DAYS) -> date:
    return days_after(received, days, off)


def vip_reply_due(
    received: date, acknowledged: date | None, off: set[date],
    ack_days: int = VIP_ACK_DAYS, reply_days: int = VIP_REPLY_DAYS,
) -> date:  # fmt: skip
    """15 days from the acknowledgement (or from the day it was due, if it was not sent)."""
    start = acknowledged or vip_ack_due(received, off, ack_days)
    return days_after(start, reply_days, off)


def rti_due(received: datetime | date, off: set[date], *, life_liberty: bool = False,
            via_apio: bool = False) -> date:  # fmt: skip
    """The day the information is due. Within 48 hours of receipt when life or liberty is
    concerned: the hours run whatever the calendar (the day the 48th hour falls)."""
    if life_liberty:
        moment = received if isinstance(received, datetime) else datetime.combine(
            received, datetime.min.time())  # fmt: skip
        return (moment + timedelta(hours=RTI_LIFE_LIBERTY_HOURS)).date()
    day = received.date() if isinstance(received, datetime) else received
    return days_after(day, RTI_DAYS + (APIO_DAYS if via_apio else 0), off)


def rti_transfer_due(received: date, off: set[date]) -> date:
    return days_after(received, TRANSFER_DAYS, off)


def appeal_due(received: date, off: set[date]) -> date:
    return days_after(received, APPEAL_DAYS, off)


def assurance_due(given: date) -> date:
    month = given.month - 1 + ASSURANCE_MONTHS
    year, month = given.year + month // 12, month % 12 + 1
    for day in (given.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def comments_due(hearing: date, off: set[date]) -> date:
    return working_before(hearing - timedelta(days=COMMENTS_BEFORE_HEARING), off)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of the RTI return: April–June is the first quarter of the year that
    begins in April (the Central Information Commission's returns follow the financial year)."""
    fy = day.year if day.month >= 4 else day.year - 1
    return fy, (day.month - 4) % 12 // 3 + 1


def quarter_bounds(fy: int, quarter: int) -> tuple[date, date]:
    start_month = 4 + (quarter - 1) * 3
    year = fy + (start_month - 1) // 12
    start = date(year, (start_month - 1) % 12 + 1, 1)
    end_month = start.month + 3
    end = date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(1)
    return start, end
