"""The organisation model and the demo district."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from eoffice.demo.office import seed_demo
from eoffice.org.models import Office, PostHolding, Role, User
from tests import factories


def test_demo_district_has_four_offices_every_role_and_a_dozen_users(demo):
    s = demo.session
    kinds = set(s.scalars(select(Office.kind)))
    assert kinds == {"collectorate", "development", "tehsil", "block"}
    assert s.scalar(select(func.count(User.id))) >= 12
    assert set(s.scalars(select(User.role))) == {str(r) for r in Role}
    names = s.scalars(select(Office.name_hi)).all()
    assert all(any("\u0900" <= ch <= "\u097f" for ch in n) for n in names)
    assert not seed_demo()  # a second run changes nothing


def test_a_post_has_one_regular_holder_but_a_user_may_hold_several(db):
    p1, p2 = factories.post(), factories.post()
    u = factories.user(posts=[p1, p2])
    assert [h.is_additional for h in u.holdings] == [False, True]
    other = factories.user()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(PostHolding(user=other, post=p1))
        db.session.flush()
    # an additional charge of an occupied post is allowed (officer on leave)
    db.session.add(PostHolding(user=other, post=p1, is_additional=True))
    db.session.flush()


def test_aadhaar_is_only_ever_four_digits(db):
    for bad, error in (("123456789012", DataError), ("12a4", IntegrityError)):
        with pytest.raises(error):
            factories.user(aadhaar_last4=bad)
        db.session.rollback()
    assert factories.user(aadhaar_last4="9012").aadhaar_last4 == "9012"


def test_directory_lists_posts_holders_and_vacancies(client, demo):
    client.login("clerk.revenue")
    soup = client.page("/office")
    text = soup.get_text()
    assert soup.h1.get_text() == "कलेक्ट्रेट ललितपुर"
    assert "अक्षय त्रिपाठी" in text and "डीएम" in text and "राजस्व अनुभाग" in text


def test_district_admin_sees_every_office(client, demo):
    client.login("nodal")
    soup = client.page("/office")
    options = [o.get_text() for o in soup.select("select#office option")]
    assert len(options) == 4 and "विकास खंड बार" in options
    block = demo.session.scalar(select(Office.id).where(Office.kind == "block"))
    assert client.page(f"/office?office={block}").h1.get_text() == "विकास खंड बार"


def test_switching_between_charges(client, demo):
    client.login("clerk.arms")  # holds लिपिक-शस्त्र and, additionally, the dak desk
    soup = client.page("/")
    options = soup.select("#post-switch option")
    assert len(options) == 2 and options[0].has_attr("selected")
    dak = options[1]["value"]
    resp = client.submit("/charge", {"post_id": dak, "next": "/office"}, form_page="/")
    assert resp.location == "/office"
    assert client.page("/").select_one("#post-switch option[selected]")["value"] == dak
    resp = client.submit("/charge", {"post_id": "999999"}, form_page="/")
    assert "आप उस पद पर कार्यरत नहीं हैं।" in client.page(resp.location).get_text()
