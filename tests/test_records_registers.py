"""The registers a DM is reviewed on (issue #29): each limit's arithmetic with the office's
holidays, and through the pages in Hindi on the demo office — an RTI application, a VIP
reference, a question and assurance, a court case: marked at diarisation or later, their
clocks on the lists, their registers, my work, the pendency report and the reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from eoffice.platform.clock import today
from eoffice.receipts.models import Receipt
from eoffice.records import limits, registers
from eoffice.records.models import Marking
from eoffice.tasks.models import Reminder
from tests.test_citizens import ask, text_of
from tests.test_movement import flash_text, login  # noqa: F401  (fixture)
from tests.test_receipts import diarise

#: the demo calendar's holidays around these dates (Deepawali, Guru Nanak Jayanti, Christmas)
OFF = {date(2026, 11, 8), date(2026, 11, 24), date(2026, 12, 25)}


def test_rti_limits():
    # 30 days from the day after receipt
    assert limits.rti_due(date(2026, 10, 1), OFF) == date(2026, 10, 31)
    # the 30th day a Sunday: the next working day
    assert limits.rti_due(date(2026, 10, 23), OFF) == date(2026, 11, 23)
    # the 30th day a holiday (Guru Nanak Jayanti): the next working day
    assert limits.rti_due(date(2026, 10, 25), OFF) == date(2026, 11, 25)
    # through the APIO: five days more
    assert limits.rti_due(date(2026, 10, 1), OFF, via_apio=True) == date(2026, 11, 5)
    # life or liberty: 48 hours, whatever the calendar (over a Sunday and Deepawali)
    assert limits.rti_due(datetime(2026, 11, 7, 15, 0), OFF, life_liberty=True) == date(2026, 11, 9)
    # transfer under s. 6(3) within five days; a first appeal within 30
    assert limits.rti_transfer_due(date(2026, 11, 3), OFF) == date(2026, 11, 9)  # 8th: Sunday
    assert limits.appeal_due(date(2026, 11, 25), OFF) == date(2026, 12, 26)  # 25th: Christmas


def test_vip_court_assurance_limits_and_quarters():
    assert limits.vip_ack_due(date(2026, 11, 1), OFF) == date(2026, 11, 16)
    # the reply: 15 days from the acknowledgement, else from the day it was due
    assert limits.vip_reply_due(date(2026, 11, 1), date(2026, 11, 5), OFF) == date(2026, 11, 20)
    assert limits.vip_reply_due(date(2026, 11, 1), None, OFF) == date(2026, 12, 1)
    # comments a week before the hearing, on a working day before it
    assert limits.comments_due(date(2026, 12, 14), OFF) == date(2026, 12, 7)
    assert limits.comments_due(date(2026, 12, 20), OFF) == date(2026, 12, 12)  # 13th: Sunday
    assert limits.assurance_due(date(2026, 11, 30)) == date(2027, 2, 28)
    assert limits.quarter_of(date(2026, 12, 6)) == (2026, 3)
    assert limits.quarter_of(date(2027, 2, 1)) == (2026, 4)
    assert limits.quarter_bounds(2026, 4) == (date(2027, 1, 1), date(2027, 3, 31))
    assert limits.quarter_bounds(2026, 1) == (date(2026, 4, 1), date(2026, 6, 30))


def collectorate_off(db, start: date) -> set[date]:
    from eoffice.org.models import Office

    return registers._off(db.session.scalar(select(Office).where(Office.code == "कले")), start)


def _latest_receipt(db) -> Receipt:
    return db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))


def _mark(c, kind_path: str, item_id: int, kind: str, **form):
    url = f"/records/mark/{kind_path}/{item_id}"
    return c.submit(url, {"as": kind, **form}, form_page=f"{url}?as={kind}")


def test_an_rti_application_from_diarisation_to_its_30th_day(app, login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    resp = diarise(clerk, is_physical_only="y", subject="सूचना का अधिकार: ग्राम बिरधा की वसूली",
                   mark_as="rti")  # fmt: skip
    r = _latest_receipt(db)
    assert resp.status_code == 302 and resp.location.endswith(
        f"/records/mark/receipt/{r.id}?as=rti"
    )
    form = clerk.page(resp.location)
    assert form.find("input", attrs={"name": "fee", "value": "bpl"})
    # hostile and wrong input: a message, nothing saved
    # (each message is the refusal's own words: the form's labels say "संख्या", "शुल्क" too)
    for bad, said in (({"reference": ""}, "संख्या लिखें"), ({"reference": "RTI/1", "fee": "x"}, "शुल्क जमा हुआ या"),
                      ({"reference": "RTI/1", "fee": "paid", "opened_on": "31-02-2026"}, "के रूप में लिखें"),
                      ({"reference": "RTI/1", "fee": "paid", "opened_on": "01-01-2999"}, "भविष्य")):  # fmt: skip
        resp = _mark(clerk, "receipt", r.id, "rti", **bad)
        assert resp.status_code == 400 and said in text_of(resp), (bad, text_of(resp)[:300])
    assert _mark(clerk, "receipt", r.id, "zz", reference="1").status_code == 400
    assert _mark(clerk, "receipt", r.id, "rti", reference="RTI/\x00").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Marking)) == 0
    resp = _mark(clerk, "receipt", r.id, "rti", reference="आरटीआई/12/2026", fee="bpl",
                 party="रमेश चंद्र")  # fmt: skip
    due = limits.rti_due(today(), collectorate_off(db, today()))
    said = flash_text(clerk, resp)
    assert "आरटीआई पंजी" in said and due.strftime("%d-%m-%Y") in said
    m = db.session.scalar(select(Marking).where(Marking.receipt_id == r.id))
    assert (m.kind, m.fee, m.due_on) == ("rti", "bpl", due)
    # its clock on its page, in the inbox row, in the register
    days = (due - today()).days
    assert f"{days} दिन शेष" in clerk.page(f"/receipts/{r.id}").find(id="registers").get_text()
    row = clerk.page("/inbox").find("a", href=f"/receipts/{r.id}").find_parent("tr")
    assert "आरटीआई आवेदन" in row.get_text() and f"{days} दिन शेष" in row.get_text()
    reg = clerk.page("/records/registers/rti")
    assert reg.find("a", string="आरटीआई/12/2026")
    assert "आरटीआई/12/2026" in clerk.get("/records/registers/rti.csv").get_data(as_text=True)
    assert clerk.get("/records/registers/rti.pdf").data.startswith(b"%PDF")
    returned = clerk.page("/records/registers/rti/return")
    received = returned.find("th", string="प्राप्त आवेदन").find_next_sibling("td").get_text()
    below = returned.find("th", string="जिनमें गरीबी रेखा से नीचे").find_next_sibling("td").get_text()
    assert (received, below) == ("1", "1")
    # its page: the limit, and the last day to transfer it under s. 6(3) (five days)
    transfer = limits.rti_transfer_due(today(), collectorate_off(db, today()))
    facts = clerk.page(f"/records/markings/{m.id}").find("dl").get_text(" ")
    assert transfer.strftime("%d") in facts and "6(3)" in facts
    # the citizen asking about the letter sees its stage only
    page = text_of(ask(app, r.diary_number, "2345"))
    assert r.diary_number in page and "आरटीआई" not in page and "सूचना का अधिकार" not in page

    # three days before: a reminder; not twice the same day
    with (
        time_machine.travel(
            datetime.combine(due - timedelta(days=3), datetime.min.time()) + timedelta(hours=6)
        ),
        app.test_request_context(),
    ):
        assert registers.send_reminders() == 1
        db.session.commit()
        assert registers.send_reminders() == 0
    # its 30th day: the register, my work, the pendency report and a reminder say so
    with time_machine.travel(
        datetime.combine(due, datetime.min.time()) + timedelta(hours=6), tick=True
    ):
        with app.test_request_context():
            assert registers.send_reminders() == 1
            db.session.commit()
        clerk = login("clerk.revenue")
        assert "आज नियत" in clerk.page("/records/registers/rti").get_text()
        home = clerk.page("/").get_text(" ", strip=True)
        assert "आरटीआई पंजी" in home
        so = login("so.revenue")
        pend = so.page("/reports/pendency").find("caption", string=lambda s: s and "पंजियाँ" in s)
        assert pend is not None and "आरटीआई पंजी" in pend.find_parent("table").get_text()
    reminders = db.session.scalars(
        select(Reminder).where(Reminder.receipt_id == r.id).order_by(Reminder.id)
    ).all()
    assert len(reminders) == 2 and "आज" in reminders[1].message and "सीमा" in reminders[0].message
    assert reminders[0].to_post_id == r.holder_post_id
    # the day after: overdue, once more
    with time_machine.travel(
        datetime.combine(due + timedelta(days=1), datetime.min.time()) + timedelta(hours=6)
    ):
        with app.test_request_context():
            assert registers.send_reminders() == 1
            db.session.commit()
        clerk = login("clerk.revenue")
        assert "1 दिन से अतिदेय" in clerk.page("/records/registers/rti").get_text()
    # and not again on the days after
    with (
        time_machine.travel(
            datetime.combine(due + timedelta(days=5), datetime.min.time()) + timedelta(hours=6)
        ),
        app.test_request_context(),
    ):
        assert registers.send_reminders() == 0
    # replied: closed, out of the open register, counted as late in the return
    with time_machine.travel(
        datetime.combine(due + timedelta(days=1), datetime.min.time()) + timedelta(hours=6),
        tick=True,
    ):
        clerk = login("clerk.revenue")
        resp = clerk.submit(f"/records/markings/{m.id}/close", {"remark": "सूचना पत्र संख्या 45 से दी गई"},
                            form_page=f"/records/markings/{m.id}")  # fmt: skip
        assert "बंद" in flash_text(clerk, resp)
        assert clerk.page("/records/registers/rti").find("a", string="आरटीआई/12/2026") is None
        fy, q = limits.quarter_of(due + timedelta(days=1))
        ret = registers.rti_return(_actor(db, "clerk.revenue"), fy, q)
        assert ret.late == 1 and ret.disposed == 1


def _actor(db, login_id):
    from eoffice.org.models import User
    from eoffice.org.services import actor_for

    return actor_for(db.session.scalar(select(User).where(User.login_id == login_id)))


def test_a_vip_reference_acknowledged_then_replied(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    diarise(clerk, is_physical_only="y", subject="ग्राम बिरधा में सड़क निर्माण हेतु", mark_as="vip",
            sender_name="श्री रामप्रसाद", sender_designation="विधायक, ललितपुर")  # fmt: skip
    r = _latest_receipt(db)
    resp = _mark(clerk, "receipt", r.id, "vip", reference="वि.स./45")
    assert resp.status_code == 400 and "पत्र लिखने वाले का नाम" in text_of(resp)
    _mark(clerk, "receipt", r.id, "vip", reference="वि.स./45", party="श्री रामप्रसाद, विधायक")
    m = db.session.scalar(select(Marking).where(Marking.receipt_id == r.id))
    off = collectorate_off(db, today())
    assert m.due_on == limits.vip_ack_due(today(), off)
    resp = clerk.submit(f"/records/markings/{m.id}/acknowledge", {"on": today().strftime("%d-%m-%Y")},
                        form_page=f"/records/markings/{m.id}")  # fmt: skip
    assert "पावती" in flash_text(clerk, resp)
    db.session.expire_all()
    m = db.session.get(Marking, m.id)
    assert m.acknowledged_on == today() and m.due_on == limits.vip_reply_due(today(), today(), off)
    # a date in the future or before receipt: refused
    resp = clerk.submit(f"/records/markings/{m.id}/close", {"remark": "उत्तर भेजा", "on": "01-01-2999"},
                        form_page=f"/records/markings/{m.id}")  # fmt: skip
    assert "आज" in flash_text(clerk, resp)
    reg = clerk.page("/records/registers/vip")
    assert "श्री रामप्रसाद, विधायक" in reg.get_text()


def test_a_question_its_assurance_and_a_court_case_heard_this_week(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    diarise(clerk, is_physical_only="y", subject="विधान सभा प्रश्न: ललितपुर में राजस्व वसूली")
    r = _latest_receipt(db)
    resp = _mark(clerk, "receipt", r.id, "question", reference="प्रश्न 1234")
    assert resp.status_code == 400 and "उत्तर की देय तिथि लिखें" in text_of(resp)
    reply_by = today() + timedelta(days=4)
    _mark(clerk, "receipt", r.id, "question", reference="प्रश्न 1234", forum="विधान सभा, शीतकालीन सत्र",
          due_on=reply_by.strftime("%d-%m-%Y"))  # fmt: skip
    q = db.session.scalar(select(Marking).where(Marking.kind == "question"))
    assert q.due_on == reply_by
    _mark(clerk, "receipt", r.id, "assurance", reference="आश्वासन 7", parent=str(q.id))
    a = db.session.scalar(select(Marking).where(Marking.kind == "assurance"))
    assert a.parent_id == q.id and a.due_on == limits.assurance_due(today())
    assert "आश्वासन 7" in clerk.page("/records/registers/questions").get_text()

    diarise(clerk, is_physical_only="y", subject="रिट याचिका: भूमि अधिग्रहण प्रतिकर")
    c = _latest_receipt(db)
    hearing = today() + timedelta(days=3)
    _mark(clerk, "receipt", c.id, "court_case", reference="रिट 999/2026", forum="उच्च न्यायालय, इलाहाबाद",
          party="रामलाल बनाम राज्य", hearing_on=hearing.strftime("%d-%m-%Y"))  # fmt: skip
    case = db.session.scalar(select(Marking).where(Marking.kind == "court_case"))
    assert case.hearing_on == hearing
    assert case.due_on == limits.comments_due(
        hearing, collectorate_off(db, hearing - timedelta(30))
    )
    week = clerk.page("/records/registers/court?week=1")
    assert week.find("a", string="रिट 999/2026")
    # the next date fixed far away: out of this week, comments due before it
    later = today() + timedelta(days=40)
    clerk.submit(f"/records/markings/{case.id}/hearing", {"hearing_on": later.strftime("%d-%m-%Y")},
                 form_page=f"/records/markings/{case.id}")  # fmt: skip
    assert clerk.page("/records/registers/court?week=1").find("a", string="रिट 999/2026") is None


def test_markings_refuse_strangers(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    diarise(clerk, is_physical_only="y", grading="confidential", subject="गोपनीय शिकायत")
    r = _latest_receipt(db)
    _mark(clerk, "receipt", r.id, "audit_para", reference="पैरा 3")
    m = db.session.scalar(select(Marking).where(Marking.receipt_id == r.id))
    other = login("clerk.vikas")
    for url in (f"/records/mark/receipt/{r.id}", f"/records/markings/{m.id}",
                "/records/markings/99999999999999999999", "/records/mark/file/99999999999999"):  # fmt: skip
        assert other.get(url).status_code == 404
    assert "पैरा 3" not in other.page("/records/registers/audit").get_text()
    # in the same office: whoever may open the receipt sees the row, no one else
    assert "पैरा 3" in clerk.page("/records/registers/audit").get_text()
    assert "पैरा 3" not in login("clerk.arms").page("/records/registers/audit").get_text()
    assert (
        other.get("/records/registers/rti/return?fy=99999999999999999999&q=%00").status_code == 400
    )
    assert other.get("/records/registers/rti/return?fy=abc&q=9").status_code == 200
