"""स्थिति: a citizen asks where their letter is, without a login, by the diary number on the
पावती and the last four digits of their mobile: before and after the reply is issued; the same
answer for a wrong number and wrong digits; guessing runs out; confidential says nothing."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.citizens.models import SmsMessage
from eoffice.citizens.sms import send_now
from eoffice.files.models import Correspondence
from eoffice.receipts.models import Receipt
from tests.conftest import Client
from tests.test_dispatch import issue
from tests.test_letters import new_letter
from tests.test_movement import flash_text, login, post_id, send  # noqa: F401  (fixture)
from tests.test_notes import new_file
from tests.test_receipts import diarise
from tests.test_signing import (
    add_soft,
    cred_id,
    keys,  # noqa: F401  (fixture)
    p12_of,
    sign_soft,
)
from tests.test_sms import gateway  # noqa: F401  (fixture)

MOBILE = "+91 94150-12345"


def a_receipt(c: Client, db, **over) -> Receipt:
    resp = diarise(c, **{"is_physical_only": "y", "citizen_mobile": MOBILE, **over})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))


def ask(app, diary: str, digits: str, *, office: str = "", addr: str = "10.1.1.1", lang="hi"):
    """A citizen on their own phone: a fresh client, no login."""
    c = Client(app.test_client())
    c.c.environ_base["REMOTE_ADDR"] = addr
    data = {"diary": diary, "digits": digits, "office": office}
    return c.submit("/status", data)


def text_of(resp) -> str:
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(resp.get_data(as_text=True), "html.parser").get_text(" ").split())


def test_the_form_is_plain_and_small_and_prefilled_from_the_acknowledgement(app, client, demo):
    soup = client.page("/status?d=%E0%A4%95%E0%A4%B2%E0%A5%87/2026/000007")
    assert soup.find("script") is None  # no script on the citizens' page
    assert soup.find("input", id="diary")["value"] == "कले/2026/000007"
    assert len(client.get("/status").get_data()) < 8000


def test_a_citizen_follows_a_letter_until_the_reply(app, demo, login, keys, pki, gateway):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    r = a_receipt(clerk, db)
    number, clerk_name = r.diary_number, r.created_by.name
    ack = db.session.scalar(select(SmsMessage).where(SmsMessage.kind == "ack"))
    assert send_now(app, ack.id) and number in gateway.requests[0]["text"]

    resp = ask(app, number, "2345")
    assert resp.status_code == 200
    page = text_of(resp)
    assert "प्रक्रियाधीन" in page and "राजस्व" in page and number in page
    assert clerk_name not in page  # a section, never a person
    # the short form with the office chosen, and Devanagari digits
    short = f"{r.diary_year}/{r.diary_serial}"
    assert ask(app, short, "२३४५", office=str(r.office_id), addr="10.1.1.2").status_code == 200

    # into a file, a letter approved, signed and issued: the citizen sees the reply
    f = new_file(clerk, db)
    resp = clerk.submit(
        f"/files/{f.id}/correspondence", {"receipt": str(r.id)}, form_page=f"/files/{f.id}"
    )
    assert resp.status_code == 302
    assert (
        db.session.scalar(select(Correspondence.file_id).where(Correspondence.receipt_id == r.id))
        == f.id
    )
    new_letter(clerk, f.id, body="आपके आवेदन पर स्थलीय जाँच कराई गई, लाइसेंस नवीनीकृत किया गया।")
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    adm = login("adm.fr")
    adm.submit(
        f"/files/{f.id}/letters/1/approve", {"version": "1"}, form_page=f"/files/{f.id}/letters/1"
    )
    add_soft(adm, p12_of(keys, pki, "adm"))
    assert "मान्य है" in flash_text(adm, sign_soft(adm, f.id, cred_id(db, "adm.fr", "soft")))
    assert issue(adm, f.id, mode="hand", name0="रमेश चंद्र", address0="ग्राम बिरधा").status_code == 302

    page = text_of(ask(app, number, "2345", addr="10.1.1.3"))
    assert "उत्तर जारी" in page and "प्रेषण संख्या" in page
    # the citizen's SMS about the reply, through the (fake) gateway
    notice = db.session.scalar(select(SmsMessage).where(SmsMessage.kind == "reply"))
    assert send_now(app, notice.id)
    assert gateway.requests[1]["template_id"] == "1107000000000000002"
    assert number in gateway.requests[1]["text"] and "कले/प्रेषण/" in gateway.requests[1]["text"]
    assert "सत्यापित" in page  # a link to see and verify the letter


def test_wrong_number_and_wrong_digits_get_the_same_answer(app, demo, login):  # noqa: F811
    r = a_receipt(login("clerk.revenue"), demo)
    wrong_digits = ask(app, r.diary_number, "9999", addr="10.2.0.1")
    wrong_number = ask(app, r.diary_number[:-1] + "9", "2345", addr="10.2.0.2")
    unknown_office = ask(app, "xyz/2026/000001", "2345", addr="10.2.0.3")
    assert wrong_digits.status_code == wrong_number.status_code == unknown_office.status_code == 404
    assert text_of(wrong_digits) == text_of(wrong_number) == text_of(unknown_office)


def test_guessing_the_digits_of_one_number_runs_out(app, demo, login):  # noqa: F811
    r = a_receipt(login("clerk.revenue"), demo)
    limit = app.config["STATUS_LIMIT_PER_NUMBER"]
    codes = [
        ask(app, r.diary_number, f"{n:04d}", addr=f"10.3.0.{n}").status_code for n in range(limit)
    ]
    assert codes == [404] * limit  # from many addresses, as a botnet would
    blocked = ask(app, r.diary_number, "2345", addr="10.3.1.1")  # even the right digits now
    assert blocked.status_code == 429 and "बहुत अधिक" in text_of(blocked)


def test_walking_the_numbers_from_one_address_runs_out(app, demo):
    limit = app.config["STATUS_LIMIT_PER_ADDRESS"]
    codes = {
        ask(app, f"कले/2026/{n:06d}", "1234", addr="10.4.0.1").status_code for n in range(limit)
    }
    assert codes == {404}
    assert ask(app, "कले/2026/999999", "1234", addr="10.4.0.1").status_code == 429
    assert ask(app, "कले/2026/999999", "1234", addr="10.4.0.2").status_code == 404


def test_a_confidential_letter_says_only_that_it_is_not_online(app, demo, login):  # noqa: F811
    r = a_receipt(login("clerk.revenue"), demo, grading="confidential")
    page = text_of(ask(app, r.diary_number, "2345", addr="10.5.0.1"))
    assert "ऑनलाइन उपलब्ध नहीं" in page
    assert r.subject not in page and "राजस्व" not in page


def test_hostile_and_mistyped_input_is_answered_plainly(app, demo):
    cases = [
        ("", "", 422, "डायरी संख्या"),
        ("कले/2026/1", "12", 422, "चार अंक"),
        ("hello", "1234", 422, "जैसी छपी"),
        ("कले/2026/1\u200b", "12\u200b34", 404, "कोई पत्र नहीं"),
        ("x" * 5000, "1" * 5000, 422, "डायरी संख्या"),
        ("कले/2026/99999999999999999999", "1234", 422, "जैसी छपी"),
        ("2026/12", "1234", 422, "कार्यालय"),  # the short form needs the office
    ]
    for n, (diary, digits, status, words) in enumerate(cases):
        resp = ask(app, diary, digits, addr=f"10.6.0.{n}")
        assert resp.status_code == status, (diary[:20], resp.status_code)
        assert words in text_of(resp), (diary[:20], text_of(resp)[:300])
    c = Client(app.test_client())
    assert c.get("/status?d=%00&o=99999999999999999999").status_code == 400
    assert c.get("/status?o=99999999999999999999").status_code == 200


def test_the_demo_citizen_letter_answers(app, demo):
    from eoffice.demo.citizens import MOBILE, seed_citizen_letter

    r = seed_citizen_letter()
    demo.session.commit()
    assert seed_citizen_letter() is None  # once
    page = text_of(ask(app, r.diary_number, MOBILE[-4:], addr="10.7.0.1"))
    assert "प्रक्रियाधीन" in page and "विकास अनुभाग" in page and "5 दिन पहले" in page


def test_the_acknowledgement_carries_the_status_link_and_its_qr(app, demo, login):  # noqa: F811
    clerk = login("clerk.revenue")
    r = a_receipt(clerk, demo)
    ack = clerk.page(f"/receipts/{r.id}/acknowledgement")
    assert "/status" in ack.find(class_="ack-status").get_text()
    assert ack.find(class_="ack-status").img["src"].startswith("data:image/svg+xml")
    assert "2345" not in str(ack.find(class_="ack-status"))  # never the mobile's digits
    # the QR's address: the form with the office and the diary number filled in
    form = Client(app.test_client()).page(f"/status?o={r.office_id}&d={r.diary_number}")
    assert form.find("input", id="diary")["value"] == r.diary_number
    without = a_receipt(clerk, demo, citizen_mobile="")
    assert clerk.page(f"/receipts/{without.id}/acknowledgement").find(class_="ack-status") is None


# --- hostile round 3, item 6 ------------------------------------------------------------


def test_both_spellings_of_one_number_count_as_one(app, demo, login):  # noqa: F811
    """As printed (कले/2026/000001) and as year/serial with the office chosen: one count, not
    two (they gave 20 tries an hour instead of 10)."""
    r = a_receipt(login("clerk.revenue"), demo)
    limit = app.config["STATUS_LIMIT_PER_NUMBER"]
    short = f"{r.diary_year}/{r.diary_serial}"
    codes = []
    for n in range(limit):
        diary, office = (r.diary_number, "") if n % 2 else (short, str(r.office_id))
        codes.append(ask(app, diary, f"{n:04d}", office=office, addr=f"10.8.0.{n}").status_code)
    assert codes == [404] * limit
    again = ask(app, short, "2345", office=str(r.office_id), addr="10.8.1.1")
    assert again.status_code == 429


def test_the_acknowledgements_own_link_is_never_locked_out(app, demo, login):  # noqa: F811
    """Anyone could spend a number's tries and lock its citizen out; the पावती's QR link
    carries the receipt's own key, which lifts the per-number limit (not the per-address
    one), and a wrong key lifts nothing."""
    from eoffice.citizens.services import lift_key

    clerk = login("clerk.revenue")
    r = a_receipt(clerk, demo)
    for n in range(app.config["STATUS_LIMIT_PER_NUMBER"]):
        ask(app, r.diary_number, f"{n:04d}", addr=f"10.9.0.{n}")
    assert ask(app, r.diary_number, "2345", addr="10.9.1.1").status_code == 429
    with app.test_request_context():
        key = lift_key(r)
    # the QR's link prefills the key; the citizen types the digits and gets the answer
    c = Client(app.test_client())
    c.c.environ_base["REMOTE_ADDR"] = "10.9.1.2"
    form = c.page(f"/status?o={r.office_id}&d={r.diary_number}&k={key}")
    assert form.find("input", attrs={"name": "key"})["value"] == key
    resp = c.submit(
        "/status",
        {"diary": r.diary_number, "digits": "2345", "office": "", "key": key},
        form_page=f"/status?o={r.office_id}&d={r.diary_number}&k={key}",
    )
    assert resp.status_code == 200 and "प्रक्रियाधीन" in text_of(resp)
    for bad in ("A" * 12, key[:-1] + ("A" if key[-1] != "A" else "B"), "\x00" * 12, "x" * 500):
        c = Client(app.test_client())
        c.c.environ_base["REMOTE_ADDR"] = "10.9.1.3"
        resp = c.submit("/status", {"diary": r.diary_number, "digits": "2345", "key": bad})
        assert resp.status_code in (400, 429), bad
    # the QR on the पावती carries it: the very code of the link with the key
    import segno
    from flask import url_for

    with app.test_request_context():
        link = app.config["BASE_URL"].rstrip("/") + url_for(
            "citizens.status", o=r.office_id, d=r.diary_number, k=key
        )
    ack = clerk.page(f"/receipts/{r.id}/acknowledgement")
    qr = ack.find(class_="ack-status").img["src"]
    assert qr == segno.make(link, error="m").svg_data_uri(scale=3)


def test_simultaneous_lookups_get_exactly_the_limit(app):
    """Sixteen lookups of one number at the same moment, each from its own connection: exactly
    the limit are counted (11 of 10 got through: check, then insert)."""
    import threading
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import delete

    from eoffice.citizens import services
    from eoffice.citizens.models import StatusAttempt
    from eoffice.dispatch import services as dispatch
    from eoffice.dispatch.models import VerifyAttempt
    from eoffice.platform.extensions import db as _db

    key, address = f"race:{uuid.uuid4().hex[:20]}", f"race-{uuid.uuid4().hex[:12]}"
    barrier = threading.Barrier(16)

    def status(i: int) -> bool:
        with app.app_context():
            barrier.wait()
            ok = services.allow(f"{address}-{i}", key)
            _db.session.commit()
            return ok

    def verify(i: int) -> bool:
        with app.app_context():
            barrier.wait()
            ok = dispatch.allow_lookup(address)
            _db.session.commit()
            return ok

    try:
        with ThreadPoolExecutor(16) as pool:
            assert (
                list(pool.map(status, range(16))).count(True)
                == app.config["STATUS_LIMIT_PER_NUMBER"]
            )
        with ThreadPoolExecutor(16) as pool:
            assert list(pool.map(verify, range(16))).count(True) == min(16, dispatch.VERIFY_LIMIT)
    finally:
        with app.app_context():
            _db.session.execute(delete(StatusAttempt).where(StatusAttempt.diary_key == key))
            _db.session.execute(delete(VerifyAttempt).where(VerifyAttempt.address == address))
            _db.session.commit()


def test_forwarded_addresses_are_believed_only_from_the_proxy():
    """With EOFFICE_PROXIES=1 a client that reached gunicorn's port directly chose its own
    address (40 addresses recorded); only the proxy's own address is believed now."""
    from werkzeug.test import Client as WsgiClient
    from werkzeug.wrappers import Request, Response

    from eoffice.web.web_proxy import TrustedProxyFix

    @Request.application
    def seen(request):
        return Response(request.remote_addr or "")

    app = TrustedProxyFix(seen, 1, "127.0.0.1,::1")
    c = WsgiClient(app)
    spoof = {"X-Forwarded-For": "203.0.113.7"}
    assert (
        c.get("/", headers=spoof, environ_base={"REMOTE_ADDR": "127.0.0.1"}).text == "203.0.113.7"
    )
    assert c.get("/", headers=spoof, environ_base={"REMOTE_ADDR": "198.51.100.9"}).text == (
        "198.51.100.9"
    )
    assert c.get("/", headers=spoof, environ_base={"REMOTE_ADDR": ""}).text == "203.0.113.7"
