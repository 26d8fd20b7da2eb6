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
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from eoffice.citizens.models import StatusAttempt
from eoffice.dispatch.models import Dispatch
from eoffice.files.models import Correspondence, File, FileStatusChange
from eoffice.org.models import Office, Section
from eoffice.platform.clock import local_date, today
from eoffice.platform.extensions import db
from eoffice.platform.locks import count_within
from eoffice.platform.text import clean_line
from eoffice.receipts.models import Receipt

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


def allow(address: str, diary_key: str, *, per_number: bool = True) -> bool:
    """Count this lookup; False when the address or the diary number has used up its tries.
    Checked and counted in one statement, each address and number one request at a time: two
    simultaneous tries at the tenth place no longer both get it. `per_number=False` (the
    पावती's own link) leaves the number's count out, so nobody can lock a citizen out."""
    cfg = current_app.config
    db.session.execute(delete(StatusAttempt).where(StatusAttempt.at < func.now() - WINDOW))
    limits = {"address": cfg["STATUS_LIMIT_PER_ADDRESS"]}
    if per_number:
        limits["diary_key"] = cfg["STATUS_LIMIT_PER_NUMBER"]
    return count_within("status_attempt", {"address": address, "diary_key": diary_key}, limits)


def lift_key(receipt: Receipt) -> str:
    """The पावती's own key for its status link (HMAC of the receipt under the app's secret):
    with it the per-number limit does not apply, so spending a number's tries cannot lock its
    citizen out. 60 bits: not guessable within any limit."""
    import base64
    import hmac

    mac = hmac.new(
        current_app.config["SECRET_KEY"].encode(), f"status:{receipt.id}".encode(), "sha256"
    ).digest()
    return base64.b32encode(mac).decode()[:12]


def lifts_limit(office_id: int | None, diary: tuple[str | None, int, int], key: str | None) -> bool:
    """Whether `key` is the पावती key of the receipt with this number."""
    import hmac

    if not key or len(key) != 12:
        return False
    receipt = _by_number(office_id, diary)
    return receipt is not None and hmac.compare_digest(key.upper(), lift_key(receipt))


def _by_number(office_id: int | None, diary: tuple[str | None, int, int]) -> Receipt | None:
    code, year, serial = diary
    office_id = _office_of(office_id, code)
    if office_id is None:
        return None
    return db.session.scalar(
        select(Receipt).where(
            Receipt.office_id == office_id,
            Receipt.diary_year == year,
            Receipt.diary_serial == serial,
        )
    )


def _office_of(office_id: int | None, code: str | None) -> int | None:
    """The office a diary number names: its code as printed, else the office chosen."""
    if code:
        return db.session.scalar(select(Office.id).where(Office.code == code))
    return office_id


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
    """One key per receipt, however the number was typed: as printed (with its office's code)
    and as year/serial with the office chosen count together."""
    code, year, serial = diary
    office = _office_of(office_id, code)
    return f"{office if office is not None else code}:{year}:{serial}"[:40]


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
    from flask import url_for

    from eoffice.web.urls import base_url

    base = base_url()
    url = base + url_for(
        "citizens.status", o=receipt.office_id, d=receipt.diary_number, k=lift_key(receipt)
    )
    return base + url_for("citizens.status"), segno.make(url, error="m").svg_data_uri(scale=3)
