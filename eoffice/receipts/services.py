"""Diarising dak. Services flush; the view commits once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text

from eoffice.documents.models import Document
from eoffice.org.models import Post
from eoffice.platform import audit, events, jobs
from eoffice.platform.clock import start_of
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock
from eoffice.policy import Actor
from eoffice.receipts.models import Receipt, ReceiptCategory

#: Roles that see every normal-grade receipt of their office.


def lock_idempotency_key(office_id: int, key: uuid.UUID) -> Receipt | None:
    """Serialise submissions of one form (double click, resubmit on a slow link) and return
    the receipt an earlier submission already made, if any."""
    advisory_lock(f"receipt:{office_id}:{key}")
    return db.session.scalar(
        select(Receipt).where(Receipt.office_id == office_id, Receipt.idempotency_key == key)
    )


def next_diary_serial(office_id: int, year: int) -> int:
    """Gap-free: the counter row stays locked until commit, and a rollback returns the number."""
    return db.session.execute(
        text(
            "INSERT INTO diary_sequence (office_id, year, last_serial) VALUES (:o, :y, 1) "
            "ON CONFLICT (office_id, year) DO UPDATE SET last_serial = diary_sequence.last_serial + 1 "
            "RETURNING last_serial"
        ),
        {"o": office_id, "y": year},
    ).scalar_one()


@dataclass
class ReceiptInput:
    sender_name: str
    sender_designation: str | None
    sender_organisation: str | None
    sender_address: str | None
    letter_number: str | None
    letter_date: date | None
    received_on: date
    mode: str
    language: str
    subject: str
    category_id: int | None
    grading: str
    priority: str
    due_on: date | None
    citizen_mobile: str | None
    is_physical_only: bool
    citizen_email: str | None = None
    #: received on paper while the server was down (a recorded downtime of the office)
    outage_id: int | None = None


def diarise_receipt(
    actor: Actor,
    data: ReceiptInput,
    *,
    key: uuid.UUID,
    post: Post,
    document: Document | None,
    ocr_text: str | None = None,
) -> Receipt:
    """`ocr_text`: the text is known already (an email's body and its attachments' OCR): no
    OCR job."""
    office = post.office
    year = data.received_on.year
    serial = next_diary_serial(office.id, year)
    receipt = Receipt(
        office_id=office.id,
        diary_year=year,
        diary_serial=serial,
        diary_number=f"{office.code}/{year}/{serial:06d}",
        idempotency_key=key,
        document=document,
        ocr_status=("none" if document is None else "done" if ocr_text is not None else "pending"),
        ocr_text=ocr_text,
        created_by_id=actor.id,
        created_post_id=post.id,
        holder_post_id=post.id,
        **vars(data),
    )
    if data.outage_id is not None:  # its pendency runs from the day it really came
        receipt.held_since = start_of(data.received_on)
    db.session.add(receipt)
    db.session.flush()
    events.receipt_diarised.send(receipt)  # the citizen hears of it (eoffice.citizens)
    if document is not None and ocr_text is None:
        # One clerk's sixty scans must not keep everyone else's dak waiting: each job of a
        # user's goes behind the ones they already have in the queue, so another user's first
        # scan is read next (the worker takes the highest priority first).
        queued = jobs.waiting("ocr_receipt", user_id=actor.id)
        jobs.enqueue(
            "ocr_receipt", "ocr", priority=-queued, receipt_id=receipt.id, user_id=actor.id
        )
    audit.record(
        "diarise",
        user_id=actor.id,
        post_id=post.id,
        object_type="receipt",
        object_id=receipt.id,
        diary_number=receipt.diary_number,
        **({"outage_id": data.outage_id, "received_on": data.received_on.isoformat()}
           if data.outage_id else {}),
    )  # fmt: skip
    return receipt


def categories(office_id: int) -> list[ReceiptCategory]:
    return list(
        db.session.scalars(
            select(ReceiptCategory)
            .where(ReceiptCategory.office_id == office_id, ReceiptCategory.retired_at.is_(None))
            .order_by(ReceiptCategory.id)
        )
    )


def diary_count(office_id: int, year: int) -> int:
    return db.session.scalar(
        select(func.count(Receipt.id)).where(
            Receipt.office_id == office_id, Receipt.diary_year == year
        )
    )


def ocr_state(receipt: Receipt) -> str:
    """pending, done, failed (retries used up) or none (no scan)."""
    if receipt.ocr_status != "pending":
        return receipt.ocr_status
    job = jobs.job_status("ocr_receipt", receipt_id=receipt.id)
    return "failed" if job and job[0] == "failed" else "pending"
