"""India's clock on a UTC server: the same day as the office on both sides of midnight IST,
and the new year's numbers from 00:00 IST on 1 January. The server's clock is moved with
time-machine (the machine's clock is outside our code); Postgres keeps its own time."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from eoffice.dispatch.models import Dispatch
from eoffice.files.models import File
from eoffice.platform import clock
from eoffice.receipts.models import Receipt
from eoffice.web.i18n import format_day, format_moment
from tests.test_dispatch import issue, signed_letter
from tests.test_movement import login, open_file  # noqa: F401  (fixture)
from tests.test_notes import clerk  # noqa: F401  (fixture)
from tests.test_receipts import diarise
from tests.test_signing import keys, the_pdf  # noqa: F401  (fixture)

#: 19:00 UTC on 1 December is 00:30 on 2 December in India
AFTER_MIDNIGHT_IST = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
#: 18:00 UTC is 23:30 IST, still 1 December
BEFORE_MIDNIGHT_IST = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
#: 00:30 IST on 1 January 2027, while the server's UTC year is still 2026
NEW_YEAR_IST = datetime(2026, 12, 31, 19, 0, tzinfo=UTC)


def test_today_is_indias_on_both_sides_of_midnight():
    with time_machine.travel(BEFORE_MIDNIGHT_IST, tick=False):
        assert clock.today() == date(2026, 12, 1)
    with time_machine.travel(AFTER_MIDNIGHT_IST, tick=False):
        assert clock.today() == date(2026, 12, 2)
        assert date.today() != clock.today() or clock.zone().key == "UTC"
    assert clock.start_of(date(2026, 12, 2)) == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)


def test_dates_and_times_are_unambiguous_and_indian(app):
    at = datetime(2026, 12, 1, 20, 23, 54, tzinfo=UTC)  # 01:53:54 IST on 2 December
    with app.test_request_context():
        assert format_moment(at, "short", locale="hi") == "02-12-2026, 01:53"
        assert format_moment(at, "medium", locale="hi") == "2 दिसंबर 2026, 01:53"
        assert format_moment(at, "medium", locale="en") == "2 December 2026, 01:53"
        assert format_day(date(2026, 12, 2), "medium", locale="hi") == "2 दिसंबर 2026"
        assert format_day(date(2026, 12, 2), "short", locale="hi") == "02-12-2026"
        assert format_day(at, "long", locale="hi") == "2 दिसंबर 2026"  # the Indian day
        afternoon = datetime(2026, 12, 2, 8, 35, tzinfo=UTC)
        assert format_moment(afternoon, "HH:mm", locale="hi") == "14:05"


def test_the_diarise_form_takes_todays_indian_date_after_midnight(client, demo):
    with time_machine.travel(AFTER_MIDNIGHT_IST, tick=True):
        clerk = client
        clerk.login("clerk.revenue")  # inside: a session cookie signed "later" is refused
        page = clerk.page("/receipts/new")
        assert page.find("input", id="received_on")["value"] == "02-12-2026"
        resp = diarise(clerk, received_on="02-12-2026", is_physical_only="y")  # as shown
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        tomorrow = diarise(clerk, received_on="2026-12-03", is_physical_only="y")
        assert tomorrow.status_code == 400 and "भविष्य" in tomorrow.get_data(as_text=True)
    r = demo.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))
    assert r.received_on == date(2026, 12, 2)
    assert r.diary_number.endswith(f"/2026/{r.diary_serial:06d}")


def test_pages_show_times_in_india(clerk, demo):  # noqa: F811
    resp = diarise(clerk, is_physical_only="y")
    page = clerk.page(resp.location + "/acknowledgement")
    text = page.get_text(" ", strip=True)
    r = demo.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))
    shown = clock.local(r.created_at).strftime("%H:%M")
    assert shown in text
    assert not re.search(r"\d:\d\d\s?(am|pm)", text, re.I)


def test_new_year_numbers_and_the_letter_date_follow_india(
    app,
    client,
    login,
    demo,
    keys,
    pki,  # noqa: F811
):
    db = demo
    with time_machine.travel(NEW_YEAR_IST, tick=True):
        clerk = client
        clerk.login("clerk.revenue")
        f = open_file(clerk, db)
        assert db.session.get(File, f.id).number.endswith("/2027")
        resp = diarise(clerk, received_on="2027-01-01", is_physical_only="y")
        assert resp.status_code == 302
        file_id, adm = signed_letter(clerk, login, db, keys, pki)
        pdf = the_pdf(app, db, file_id)
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "01-01-2027" in text and "31-12-2026" not in text
        resp = issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर")
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    d = db.session.scalar(select(Dispatch).order_by(Dispatch.id.desc()).limit(1))
    assert d.year == 2027 and "/2027/" in d.number
    r = db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))
    assert "/2027/" in r.diary_number


@pytest.mark.parametrize("moment", [BEFORE_MIDNIGHT_IST, AFTER_MIDNIGHT_IST])
def test_the_signature_stamp_reads_india_time(app, moment):
    from eoffice.signing.services import stamp_time

    with time_machine.travel(moment, tick=False), app.app_context():
        expected = moment.astimezone(clock.zone()).strftime("%d-%m-%Y %H:%M:%S")
        assert stamp_time() == expected + " IST"
