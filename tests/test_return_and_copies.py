"""वापस भेजें (return to the sender, citing the movement) on files and receipts, and a receipt
sent to one post for action and to two for information."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.movement.models import Movement, MovementCopy
from eoffice.receipts.models import Receipt
from tests.test_movement import flash_text, login, open_file, post_id, send  # noqa: F401
from tests.test_receipts import diarise


def test_a_receipt_is_returned_to_the_post_it_came_from(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.arms")  # the dak desk
    assert diarise(clerk, is_physical_only="y").status_code == 302
    r = db.session.scalar(select(Receipt))
    send(clerk, "receipt", r.id, post_id(db, "अनु.अधि.-राज"))
    so = login("so.revenue")
    show = so.page(f"/receipts/{r.id}")
    back = show.find("a", string="वापस भेजें")
    form = so.page(back["href"])
    chosen = form.find("input", attrs={"name": "to_post", "checked": True}) or form.find(
        "option", selected=True
    )
    came = db.session.scalar(select(Movement.from_post_id).where(Movement.receipt_id == r.id))
    assert chosen["value"] == str(came)  # the clerk's charge that sent it
    remarks = form.find("textarea", attrs={"name": "remarks"}).get_text()
    assert "संदर्भ" in remarks
    data = {i["name"]: i.get("value", "") for i in form.find_all("input", attrs={"type": "hidden"})}
    data.update(to_post=chosen["value"], remarks=remarks + "कृपया सही अनुभाग को भेजें।",
                priority="normal")  # fmt: skip
    resp = so.post(back["href"].split("?")[0], data=data)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Receipt, r.id).holder_post_id == came
    last = db.session.scalar(select(Movement).order_by(Movement.id.desc()).limit(1))
    assert "संदर्भ" in last.remarks and "सही अनुभाग" in last.remarks


def test_a_file_offers_return_only_when_it_came_from_someone(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db)
    page = clerk.page(f"/files/{f.id}")
    assert page.find("a", string="वापस भेजें") is None  # opened here: nowhere to return it
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    page = login("so.revenue").page(f"/files/{f.id}")
    assert page.find("a", string="वापस भेजें") is not None


def test_a_receipt_for_action_to_one_post_and_for_information_to_two(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.arms")
    assert diarise(clerk, is_physical_only="y").status_code == 302
    r = db.session.scalar(select(Receipt))
    info = [post_id(db, "एडीएम (वि/रा)"), post_id(db, "अनु.अधि.-शस्त्र")]
    resp = send(clerk, "receipt", r.id, post_id(db, "अनु.अधि.-राज"), copies=[str(p) for p in info])
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MovementCopy)) == 2
    for who in ("adm.fr", "so.arms"):
        c = login(who)
        assert r.diary_number in c.page("/inbox/copies").get_text(), who
        assert r.diary_number not in c.page("/inbox").get_text(), who  # not theirs to act on
        assert c.get(f"/receipts/{r.id}").status_code == 200, who
    assert r.diary_number in login("so.revenue").page("/inbox").get_text()
    db.session.expire_all()
    assert db.session.get(Receipt, r.id).holder_post_id == post_id(db, "अनु.अधि.-राज")
