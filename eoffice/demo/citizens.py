"""The demo's citizen: a letter at Vikas Bhawan given with a mobile number, so that the status
page (/status) answers on a fresh `make run` (README: "Try it"). Loaded by `flask seed-demo`,
not by the tests' demo district (whose dak numbering starts empty)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from eoffice.org.models import Office, Post
from eoffice.platform.clock import local_now
from eoffice.platform.extensions import db
from eoffice.receipts.models import Receipt
from eoffice.receipts.services import next_diary_serial

OFFICE = "विभ"
MOBILE = "9415054321"


def seed_citizen_letter() -> Receipt | None:
    """Idempotent: nothing when the office already has dak (or the demo is not loaded)."""
    office = db.session.scalar(select(Office).where(Office.code == OFFICE))
    if office is None or db.session.scalar(
        select(Receipt.id).where(Receipt.office_id == office.id)
    ):
        return None
    clerk = next(p for p in office.posts if p.abbreviation == "लिपिक-विका")
    arrived = local_now() - timedelta(days=5)
    serial = next_diary_serial(office.id, arrived.year)
    receipt = Receipt(
        office_id=office.id,
        diary_year=arrived.year,
        diary_serial=serial,
        diary_number=f"{office.code}/{arrived.year}/{serial:06d}",
        idempotency_key=uuid.uuid4(),
        sender_name="सुनीता देवी",
        sender_address="ग्राम जखौरा, विकास खंड बार, ललितपुर",
        received_on=arrived.date(),
        mode="hand",
        language="hi",
        subject="प्रधानमंत्री आवास योजना (ग्रामीण) में आवास स्वीकृति हेतु प्रार्थना पत्र",
        citizen_mobile=MOBILE,
        is_physical_only=True,
        created_by_id=_holder(clerk),
        created_post_id=clerk.id,
        holder_post_id=clerk.id,
        created_at=arrived,
        held_since=arrived,
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


def _holder(post: Post) -> int:
    return post.current_holders[0].id
