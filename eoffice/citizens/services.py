"""स्थिति: a citizen asks where their letter is, by the diary number on the पावती and the last
four digits of the mobile number given at diarisation. No login.

- A wrong diary number and wrong digits get the same answer ("not found"), and every lookup
  counts against the client's address and against the diary number asked, so guessing the
  digits of one number or walking the numbers of an office runs out quickly.
- The answer names the section dealing with the letter, never a person; a confidential or
  secret receipt says only that its status is not available online.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from eoffice.citizens.models import StatusAttempt
from eoffice.clock import local_date, today
from eoffice.dispatch.models import Dispatch
from eoffice.extensions import db
from eoffice.files.models import Correspondence, File, FileStatusChange
from eoffice.org.models import Office, Section
from eoffice.receipts.models import Receipt
from eoffice.text import clean_line

WINDOW = timedelta(hours=1)
#: "कले/2026/000123", "कले / 2026 / 123", "2026/123", "2026-123"
DIARY = re.compile(
    r"^\s*(?:(?P<code>[^\s/\-\d][^/\-]{0,15}?)\s*[/\-]\s*)?(?P<year>(?:19|20)\d\d)\s*[/\-]\s*(?P<serial>\d{1,7})\s*$"
)


def parse_diary(raw: str | None) -> tuple[str | None, int, int] | None:
    """(office code or None, year, serial) of a typed diary number, or None."""
    value = clean_line(raw)[:60]
    value = value.translate(str.maketrans("०१२३४५६७८९", "0123456789"))  # Devanagari digits
    m = DIARY.match(value)
    if not m:
        return None
    return (m["code"] or None), int(m["year"]), int(m["serial"])


def parse_digits(raw: str | None) -> str | None:
    value = clean_line(raw).translate(str.maketrans("०१२३४५६७८९", "0123456789"))
    return value if re.fullmatch(r"\d{4}", value) else None


def public_offices() -> list[Office]:
    """The offices a citizen may choose from: open ones, in a stable order."""
    return list(
        db.session.scalars(select(Office).where(Office.closed_at.is_(None)).order_by(Office.id))
    )


def allow(address: str, diary_key: str) -> bool:
    """Count this lookup; False when the address or the diary number has used up its tries."""
    cfg = current_app.config
    now = datetime.now(UTC)
    db.session.execute(delete(StatusAttempt).where(StatusAttempt.at < now - WINDOW))
    by_address = db.session.scalar(
        select(func.count(StatusAttempt.id)).where(StatusAttempt.address == address)
    )
    by_number = db.session.scalar(
        select(func.count(StatusAttempt.id)).where(StatusAttempt.diary_key == diary_key)
    )
    if by_address >= cfg["STATUS_LIMIT_PER_ADDRESS"] or by_number >= cfg["STATUS_LIMIT_PER_NUMBER"]:
        return False
    db.session.add(StatusAttempt(address=address, diary_key=diary_key))
    db.session.flush()
    return True


def find(office_id: int | None, diary: tuple[str | None, int, int], digits: str) -> Receipt | None:
    """The receipt with that number whose citizen's mobile ends in those digits, or None."""
    code, year, serial = diary
    q = select(Receipt).where(
        Receipt.diary_year == year,
        Receipt.diary_serial == serial,
        Receipt.citizen_mobile.is_not(None),
        func.right(Receipt.citizen_mobile, 4) == digits,
    )
    if code:  # the number as printed names its office
        q = q.join(Office, Office.id == Receipt.office_id).where(Office.code == code)
    elif office_id is not None:
        q = q.where(Receipt.office_id == office_id)
    else:
        return None
    found = db.session.scalars(q.limit(2)).all()
    return found[0] if len(found) == 1 else None


def diary_key(office_id: int | None, diary: tuple[str | None, int, int]) -> str:
    code, year, serial = diary
    return f"{code or office_id}:{year}:{serial}"[:40]


@dataclass
class Status:
    receipt: Receipt
    #: private (not shown online), process, officer, disposed, replied
    stage: str
    section: Section | None = None
    disposed_on: date | None = None
    reply: Dispatch | None = None

    @property
    def days(self) -> int:
        return (today() - self.receipt.received_on).days


def status_of(receipt: Receipt) -> Status:
    if receipt.grading != "normal":
        return Status(receipt, "private")
    file = db.session.scalar(
        select(File)
        .join(Correspondence, Correspondence.file_id == File.id)
        .where(Correspondence.receipt_id == receipt.id)
    )
    holder = file.holder_post if file is not None else receipt.holder_post
    status = Status(receipt, "process", section=holder.section)
    if file is None:
        return status if holder.section_id else Status(receipt, "officer")
    status.reply = db.session.scalar(
        select(Dispatch)
        .where(Dispatch.file_id == file.id, Dispatch.issued_at >= receipt.created_at)
        .order_by(Dispatch.issued_at.desc())
        .limit(1)
    )
    if file.status == "closed":
        closed_at = db.session.scalar(
            select(func.max(FileStatusChange.at)).where(
                FileStatusChange.file_id == file.id, FileStatusChange.to_status == "closed"
            )
        )
        status.stage = "disposed"
        status.disposed_on = local_date(closed_at) if closed_at else None
    elif status.reply is not None:
        status.stage = "replied"
    elif holder.section_id is None:
        status.stage = "officer"
    return status


def status_link(receipt: Receipt) -> tuple[str, str]:
    """(the status page's address as printed, a QR code of it with this receipt's office and
    diary number filled in, as an SVG data URI): for the पावती. Never the mobile's digits."""
    import segno
    from flask import request, url_for

    base = (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")
    url = base + url_for("citizens.status", o=receipt.office_id, d=receipt.diary_number)
    return base + url_for("citizens.status"), segno.make(url, error="m").svg_data_uri(scale=3)
