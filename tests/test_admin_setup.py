"""The nodal officer sets up an office in the browser's forms: details and number pattern,
sections, posts, subject heads, categories with time limits, routes, holidays; and users."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text

from eoffice.files.models import File, SubjectHead
from eoffice.movement.models import Holiday, RouteTemplate, TimeLimit
from eoffice.org.models import Office, Post, PostHolding, Section, User
from eoffice.platform.audit import verify
from eoffice.receipts.models import ReceiptCategory
from tests.conftest import Client


@pytest.fixture
def nodal(client, demo):
    client.login("nodal")
    return client


NEW_OFFICE = {
    "name_hi": "तहसील महरौनी",
    "name_en": "Tehsil Mahroni",
    "code": "तह-मह",
    "kind": "tehsil",
    "file_term": "patravali",
    "file_number_pattern": "{office}/{section}/{head}/{serial}/{year}",
    "enquiry": "कक्ष 4, तहसील महरौनी",
}


def make_office(nodal) -> Office:
    resp = nodal.submit("/admin/offices", NEW_OFFICE)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    return int(resp.location.rsplit("/", 1)[1])


def post_form(c, office_id, what, data, status=302):
    resp = c.submit(
        f"/admin/offices/{office_id}/{what}", data, form_page=f"/admin/offices/{office_id}"
    )
    assert resp.status_code == status, (what, resp.get_data(as_text=True)[:2000])
    return resp


def audit_actions(db) -> list[str]:
    return db.session.scalars(text("SELECT action FROM audit_event ORDER BY id")).all()


def test_the_nodal_officer_sets_up_a_tehsil(nodal, demo):
    db = demo
    office_id = make_office(nodal)
    # sections, posts, a subject head, a category with its time limit, a route, holidays
    post_form(
        nodal,
        office_id,
        "sections",
        {"name_hi": "राजस्व अनुभाग", "name_en": "Revenue", "code": "राज"},
    )
    post_form(nodal, office_id, "sections", {"name_hi": "न्यायिक अनुभाग", "code": "न्या"})
    rev = db.session.scalar(
        select(Section).where(Section.office_id == office_id, Section.code == "राज")
    )
    post_form(
        nodal,
        office_id,
        "posts",
        {"designation_hi": "तहसीलदार, महरौनी", "abbreviation": "तहसीलदार-मह", "may_approve": "y"},
    )
    post_form(
        nodal,
        office_id,
        "posts",
        {"designation_hi": "रजिस्ट्रार कानूनगो", "abbreviation": "आरके-मह", "section": str(rev.id)},
    )
    post_form(
        nodal, office_id, "heads", {"name_hi": "भूमि अभिलेख", "code": "भू-अभि", "section": str(rev.id)}
    )
    post_form(nodal, office_id, "categories", {"name_hi": "खतौनी संशोधन", "days": "7"})
    category = db.session.scalar(
        select(ReceiptCategory).where(ReceiptCategory.office_id == office_id)
    )
    posts = db.session.scalars(
        select(Post).where(Post.office_id == office_id).order_by(Post.id)
    ).all()
    resp = nodal.submit(
        f"/admin/offices/{office_id}/routes",
        {"category": str(category.id), "posts": [str(posts[1].id), str(posts[0].id), ""]},
        form_page=f"/admin/offices/{office_id}",
    )
    assert resp.status_code == 302
    post_form(nodal, office_id, "holidays", {"on": "26-01-2027", "name_hi": "गणतंत्र दिवस"})
    csv = "दिनांक,अवकाश\n15-08-2027,स्वतंत्रता दिवस\n02-10-2027,गांधी जयंती\n26-01-2027,गणतंत्र दिवस\n"
    resp = nodal.submit(
        f"/admin/offices/{office_id}/holidays-csv",
        {"file": (io.BytesIO(csv.encode()), "अवकाश.csv"), "district_wide": "y"},
        form_page=f"/admin/offices/{office_id}",
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    assert re.search(r"\d अवकाश जोड़े गए", nodal.page(resp.location).get_text())

    office = db.session.get(Office, office_id)
    assert office.name_hi == "तहसील महरौनी" and office.kind == "tehsil"
    assert {s.code for s in office.sections} == {"राज", "न्या"}
    assert (
        db.session.scalar(select(SubjectHead.code).where(SubjectHead.office_id == office_id))
        == "भू-अभि"
    )
    limit = db.session.scalar(
        select(TimeLimit.working_days).where(
            TimeLimit.category_id == category.id, TimeLimit.priority == "normal"
        )
    )
    assert limit == 7
    route = db.session.scalar(select(RouteTemplate).where(RouteTemplate.office_id == office_id))
    assert [s.post_id for s in route.steps] == [posts[1].id, posts[0].id]
    days = set(map(tuple, db.session.execute(select(Holiday.on, Holiday.office_id))))
    for day, office in (("2027-01-26", office_id), ("2027-01-26", None), ("2027-08-15", None),
                        ("2027-10-02", None)):  # fmt: skip
        assert (date.fromisoformat(day), office) in days
    page = nodal.page(f"/admin/offices/{office_id}").get_text()
    assert "तह-मह/राज/भू-अभि/1/" in page  # the next file number, shown before any file exists
    assert "रिक्त" in page  # both posts are vacant
    # every step is in the audit trail, and the chain holds
    actions = audit_actions(db)
    for a in ("admin_office_create", "admin_section_create", "admin_post_create", "admin_head_create",
              "admin_category_create", "admin_route_set", "admin_holiday_add"):  # fmt: skip
        assert a in actions, a
    assert verify()[1] is None

    # the time limit is changed by priority
    resp = nodal.submit(
        f"/admin/categories/{category.id}/limits",
        {"days_normal": "10", "days_immediate": "3", "days_most_immediate": "1"},
        form_page=f"/admin/offices/{office_id}",
    )
    assert resp.status_code == 302
    db.session.expire_all()
    limits = dict(
        db.session.execute(
            select(TimeLimit.priority, TimeLimit.working_days).where(
                TimeLimit.category_id == category.id
            )
        ).all()
    )
    assert limits == {"normal": 10, "immediate": 3, "most_immediate": 1}


@pytest.mark.parametrize(
    ("what", "data", "says"),
    [
        ("sections", {"name_hi": "", "code": ""}, "आवश्यक"),
        ("sections", {"name_hi": "\u200b \u200b", "code": "x"}, "आवश्यक"),
        ("sections", {"name_hi": "क" * 300, "code": "x"}, "बहुत लंबा"),
        ("posts", {"designation_hi": "लिपिक", "abbreviation": "लिपिक-राज"}, "पहले से"),
        (
            "details",
            {
                **NEW_OFFICE,
                "code": "कले",
                "file_number_pattern": "{office.__class__}/{section}/{head}/{serial}/{year}",
            },
            "{office}",
        ),
        (
            "details",
            {
                **NEW_OFFICE,
                "code": "कले",
                "file_number_pattern": "{office}/{section}/{head}/{serial}",
            },
            "{year}",
        ),
        (
            "details",
            {
                **NEW_OFFICE,
                "code": "कले",
                "file_number_pattern": "{office}/{section}/{head}/{serial!r}/{year}",
            },
            "{year}",
        ),
        ("details", {**NEW_OFFICE, "code": "विभ"}, "दूसरा कार्यालय"),
        ("holidays", {"on": "31-02-2027", "name_hi": "गलत"}, "dd-mm-yyyy"),
        ("holidays", {"on": "0001-01-01", "name_hi": "गलत"}, "dd-mm-yyyy"),
        ("categories", {"name_hi": "नई", "days": "999"}, "1 से 365"),
        ("categories", {"name_hi": "नई", "days": "abc"}, "1 से 365"),
        ("categories", {"name_hi": "नई", "days": "0"}, "1 से 365"),  # stricter than तत्काल
        ("routes", {"category": "99999999999999999999", "posts": ["1"]}, "श्रेणी"),
    ],
)
def test_hostile_office_forms_say_why_and_change_nothing(nodal, demo, what, data, says):
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    before = db.session.scalar(select(func.count()).select_from(text("audit_event")))
    resp = post_form(nodal, office.id, what, data, status=400)
    assert says in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(text("audit_event"))) == before
    db.session.expire_all()
    assert (
        db.session.get(Office, office.id).file_number_pattern
        == "{office}/{section}/{head}/{serial}/{year}"
    )


def test_a_pattern_that_would_repeat_a_number_is_refused(nodal, demo):
    """कले/राज/भू-अभि/1/2026 exists; a pattern that drops the serial's place into the head's
    could give the next file a number already used. The check: the next number of every
    running sequence must be new."""
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    existing = db.session.scalars(
        text("SELECT number FROM efile WHERE office_id = :o"), {"o": office.id}
    ).all()
    assert existing
    # a pattern that still has every field is accepted when it makes new numbers
    resp = post_form(nodal, office.id, "details", {**NEW_OFFICE, "code": "कले", "name_hi": office.name_hi,
                                                    "file_number_pattern": "{office}-{section}-{head}-{serial}-{year}"})  # fmt: skip
    db.session.expire_all()
    assert (
        db.session.get(Office, office.id).file_number_pattern
        == "{office}-{section}-{head}-{serial}-{year}"
    )
    assert resp.status_code == 302


def test_a_post_that_holds_work_is_not_abolished(nodal, demo):
    db = demo
    post = db.session.scalar(select(Post).where(Post.abbreviation == "लिपिक-राज"))
    resp = nodal.submit(
        f"/admin/posts/{post.id}/abolish", {}, form_page=f"/admin/offices/{post.office_id}"
    )
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert re.search(r"\d+ पत्रावलियाँ", body) or "पत्रावली" in body
    assert "1 धारक" in body
    db.session.expire_all()
    assert db.session.get(Post, post.id).is_active


def test_users_created_reset_unlocked_deactivated_and_charged(app, nodal, demo):
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    resp = nodal.submit(
        f"/admin/offices/{office.id}/users",
        {"name_hi": "गिरीश चंद्र जोशी", "mobile": "+91 94150 99999", "role": "staff"},
    )
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    page = resp.get_data(as_text=True)
    assert "girish.chandra.joshi" in page
    password = re.search(r'class="big" lang="en">([a-z2-9]{12})<', page).group(1)
    user = db.session.scalar(select(User).where(User.login_id == "girish.chandra.joshi"))
    assert user.mobile == "9415099999" and user.must_change_password

    # a charge, an additional charge, one withdrawn
    rk = db.session.scalar(select(Post).where(Post.abbreviation == "लिपिक-तह"))
    sdm = db.session.scalar(select(Post).where(Post.abbreviation == "एसडीएम"))
    resp = nodal.submit(
        f"/admin/users/{user.id}/charge", {"post": str(rk.id)}, form_page=f"/admin/users/{user.id}"
    )
    assert resp.status_code == 400 and "नियमित धारक" in resp.get_data(as_text=True)
    resp = nodal.submit(
        f"/admin/users/{user.id}/charge",
        {"post": str(rk.id), "additional": "y"},
        form_page=f"/admin/users/{user.id}",
    )
    assert resp.status_code == 302
    resp = nodal.submit(
        f"/admin/users/{user.id}/charge",
        {"post": str(sdm.id), "additional": "y"},
        form_page=f"/admin/users/{user.id}",
    )
    holdings = db.session.scalars(
        select(PostHolding).where(PostHolding.user_id == user.id, PostHolding.until.is_(None))
    ).all()
    assert {h.post_id for h in holdings} == {rk.id, sdm.id} and all(
        h.is_additional for h in holdings
    )
    sdm_holding = next(h for h in holdings if h.post_id == sdm.id)
    nodal.submit(
        f"/admin/users/{user.id}/withdraw",
        {"holding": str(sdm_holding.id)},
        form_page=f"/admin/users/{user.id}",
    )
    db.session.expire_all()
    assert db.session.get(PostHolding, sdm_holding.id).until is not None

    # locked out by wrong passwords, then unlocked by the admin (in one test transaction
    # now() stands still, so this comes before any successful login)
    other = Client(app.test_client())
    for _ in range(5):
        other.submit("/login", {"login_id": user.login_id, "password": "wrong-wrong"})
    resp = other.submit("/login", {"login_id": user.login_id, "password": password})
    assert resp.status_code != 302
    nodal.submit(f"/admin/users/{user.id}/unlock", {}, form_page=f"/admin/users/{user.id}")
    resp = other.submit("/login", {"login_id": user.login_id, "password": password})
    assert resp.status_code == 302 and "password" in resp.location  # then must change it

    # a reset gives a new one-time password on a slip; the old one stops working
    resp = nodal.submit(f"/admin/users/{user.id}/reset", {}, form_page=f"/admin/users/{user.id}")
    new_password = re.search(
        r'class="big" lang="en">([a-z2-9]{12})<', resp.get_data(as_text=True)
    ).group(1)
    assert new_password != password
    fresh = Client(app.test_client())
    assert (
        fresh.submit("/login", {"login_id": user.login_id, "password": password}).status_code != 302
    )
    assert (
        fresh.submit("/login", {"login_id": user.login_id, "password": new_password}).status_code
        == 302
    )

    # deactivated, after a confirmation that names what their posts still hold: the charges
    # end, the login is refused
    held = db.session.scalar(select(File).where(File.status == "open").order_by(File.id))
    held.holder_post_id = rk.id  # a file on the desk they hold
    db.session.commit()
    resp = nodal.submit(f"/admin/users/{user.id}/disable", {}, form_page=f"/admin/users/{user.id}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "निष्क्रिय करें?" in page and rk.designation_hi in page
    assert held.number in page and "1 पत्रावली," in page
    db.session.expire_all()
    assert db.session.get(User, user.id).is_enabled  # nothing done before the confirmation
    nodal.submit(
        f"/admin/users/{user.id}/disable", {"confirm": "1"}, form_page=f"/admin/users/{user.id}"
    )
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_enabled
    assert not db.session.scalars(
        select(PostHolding).where(PostHolding.user_id == user.id, PostHolding.until.is_(None))
    ).all()
    again = Client(app.test_client())
    assert (
        again.submit("/login", {"login_id": user.login_id, "password": new_password}).status_code
        != 302
    )
    actions = audit_actions(db)
    for a in ("admin_user_create", "join", "admin_charge_withdraw", "admin_login_unlock",
              "admin_password_reset", "admin_user_disable"):  # fmt: skip
        assert a in actions, a


def test_hostile_user_forms(nodal, demo):
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    before = db.session.scalar(select(func.count(User.id)))
    for data, says in (
        ({"name_hi": "", "role": "staff"}, "आवश्यक"),
        ({"name_hi": "नाम", "login_id": "clerk.revenue", "role": "staff"}, "पहले से"),
        ({"name_hi": "नाम", "login_id": "Bad Login!", "role": "staff"}, "a–z"),
        ({"name_hi": "नाम", "mobile": "98xx", "role": "staff"}, "10 अंकों"),
        ({"name_hi": "नाम", "role": "superuser"}, "भूमिका"),
    ):
        resp = nodal.submit(f"/admin/offices/{office.id}/users", data)
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(User.id))) == before


def test_an_office_admin_keeps_their_own_office_only(app, client, demo):
    db = demo
    client.login("admin.vikas")
    mine = db.session.scalar(select(Office).where(Office.code == "विभ"))
    other = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    assert client.get("/admin/offices").status_code == 302  # to their own office
    assert client.page(f"/admin/offices/{mine.id}").find("h1").get_text() == mine.name_hi
    assert client.get(f"/admin/offices/{other.id}").status_code == 404
    assert client.get(f"/admin/offices/{other.id}/users").status_code == 404
    clerk = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    assert client.get(f"/admin/users/{clerk.id}").status_code == 404
    assert (
        client.submit(f"/admin/users/{clerk.id}/reset", {}, form_page="/admin/").status_code == 404
    )
    assert (
        client.submit(
            f"/admin/offices/{other.id}/sections",
            {"name_hi": "x", "code": "x"},
            form_page="/admin/",
        ).status_code
        == 404
    )
    assert client.submit("/admin/offices", NEW_OFFICE, form_page="/admin/").status_code == 403
    nodal = db.session.scalar(select(User).where(User.login_id == "nodal"))
    assert client.get(f"/admin/users/{nodal.id}").status_code == 404  # another office's
    staff = Client(app.test_client())
    staff.login("clerk.revenue")
    for url in (
        "/admin/",
        "/admin/offices",
        f"/admin/offices/{mine.id}",
        f"/admin/users/{clerk.id}",
    ):
        assert staff.get(url).status_code == 403, url


def test_a_user_is_edited_and_the_change_audited(nodal, demo):
    db = demo
    user = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    url = f"/admin/users/{user.id}"
    data = {"name_hi": "बृजेश कुमार राय", "name_en": "Brijesh Kumar Rai", "mobile": "०९४१५०-८८८८८",
            "email": "brijesh@mail.example", "employee_id": "T-23", "role": "section_officer"}  # fmt: skip
    assert nodal.submit(f"{url}/edit", data, form_page=url).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name_hi, user.mobile, user.role, user.login_id) == (
        "बृजेश कुमार राय",
        "9415088888",
        "section_officer",
        "clerk.tehsil",
    )
    changed = db.session.scalar(
        text("SELECT data->'changed' FROM audit_event WHERE action = 'admin_user_edit'")
    )
    assert "mobile" in changed and "9415088888" not in str(changed)
    for bad, says in (
        ({**data, "name_hi": ""}, "आवश्यक"),
        ({**data, "mobile": "12345"}, "10 अंकों"),
        ({**data, "employee_id": "x" * 41}, "बहुत लंबा"),
    ):
        resp = nodal.submit(f"{url}/edit", bad, form_page=url)
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), bad


def test_standard_letters_for_an_office_and_for_the_district(app, nodal, demo):
    db = demo
    from eoffice.files.models import LetterTemplate

    office = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    offices = db.session.scalar(text("SELECT count(*) FROM office"))
    before = db.session.scalar(text("SELECT count(*) FROM letter_template"))
    letter = {"name_hi": "अनुस्मारक (द्वितीय)", "addressee": "सेवा में,\nतहसीलदार",
              "subject": "अनुस्मारक", "body": "कृपया पूर्व पत्र का उत्तर शीघ्र दें।", "district_wide": "y"}  # fmt: skip
    post_form(nodal, office.id, "templates", letter)
    assert db.session.scalar(text("SELECT count(*) FROM letter_template")) == before + offices
    # an empty text is refused and what was typed stays on the page
    resp = post_form(nodal, office.id, "templates", {**letter, "body": " \u200b "}, status=400)
    assert "अनुस्मारक (द्वितीय)" in resp.get_data(as_text=True)
    t = db.session.scalar(
        select(LetterTemplate)
        .where(LetterTemplate.office_id == office.id)
        .order_by(LetterTemplate.id.desc())
    )
    resp = nodal.submit(f"/admin/templates/{t.id}", {**letter, "body": "नया पाठ"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(LetterTemplate, t.id).body == "नया पाठ"
    nodal.submit(f"/admin/templates/{t.id}", {"remove": "1"})
    assert db.session.get(LetterTemplate, t.id) is None
    vikas = Client(app.test_client())
    vikas.login("admin.vikas")
    other = db.session.scalar(
        select(LetterTemplate.id).where(LetterTemplate.office_id == office.id)
    )
    assert vikas.get(f"/admin/templates/{other}").status_code == 404


def test_the_district_is_kept_by_the_nodal_officer_only(app, nodal, demo):
    db = demo
    resp = nodal.submit(
        "/admin/district",
        {"name_hi": "ललितपुर जनपद", "name_en": "Lalitpur", "state_hi": "उत्तर प्रदेश"},
    )
    assert resp.status_code == 302
    assert (
        db.session.scalar(text("SELECT name_hi FROM district WHERE code = 'LKO-LAL'"))
        == "ललितपुर जनपद"
    )
    resp = nodal.submit("/admin/district", {"name_hi": "", "name_en": "x", "state_hi": "y"})
    assert resp.status_code == 400 and "आवश्यक" in resp.get_data(as_text=True)
    vikas = Client(app.test_client())
    vikas.login("admin.vikas")
    assert vikas.get("/admin/district").status_code == 403


def test_an_office_is_closed_only_when_nobody_works_in_it(nodal, demo):
    db = demo
    tehsil = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    resp = nodal.submit(
        f"/admin/offices/{tehsil.id}/close", {}, form_page=f"/admin/offices/{tehsil.id}"
    )
    assert resp.status_code == 400 and "3 सक्रिय उपयोगकर्ता" in resp.get_data(as_text=True)
    assert db.session.get(Office, tehsil.id).closed_at is None
    office_id = make_office(nodal)  # a new, empty office
    resp = nodal.submit(
        f"/admin/offices/{office_id}/close", {}, form_page=f"/admin/offices/{office_id}"
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, office_id).closed_at is not None
    assert "बंद" in nodal.page("/admin/offices").get_text()
    # no staff list goes into a closed office, and readiness leaves it out
    assert f'value="{office_id}"' not in nodal.get("/admin/staff/import").get_data(as_text=True)
    assert "तहसील महरौनी" not in nodal.page("/admin/readiness").get_text()


def test_every_admin_route_refuses_staff_and_strangers(app, client, demo):
    """Walk the URL map: every page and form of the administration answers a staff user 403
    and an anonymous one with the login page."""
    import re as _re

    staff = Client(app.test_client())
    staff.login("clerk.revenue")
    token = staff.csrf("/")
    anonymous = Client(app.test_client())
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = _re.sub(
            r"<(?:int:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "details", rule.rule
        )
        url = _re.sub(r"<any\('([^']*)'[^>]*>", r"\1", url)  # the first of the formats
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            resp = staff.open(url, method=method, data=data)
            assert resp.status_code == 403, (rule.rule, method, resp.status_code)
            resp = anonymous.open(url, method=method)
            assert resp.status_code in (302, 400, 401), (rule.rule, method, resp.status_code)
            seen += 1
    assert seen >= 20


def test_a_holiday_is_edited(nodal, demo):
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    post_form(nodal, office.id, "holidays", {"on": "02-10-2031", "name_hi": "गाँधी जयंती"})
    h = db.session.scalar(select(Holiday).where(Holiday.on == date(2031, 10, 2)))
    url = f"/admin/holidays/{h.id}"
    assert (
        nodal.submit(url, {"on": "03-10-2031", "name_hi": "गांधी जयंती (स्थानांतरित)"}).status_code
        == 302
    )
    db.session.expire_all()
    h = db.session.get(Holiday, h.id)
    assert (h.on, h.name_hi) == (date(2031, 10, 3), "गांधी जयंती (स्थानांतरित)")
    resp = nodal.submit(url, {"on": "30-02-2031", "name_hi": "x"})
    assert resp.status_code == 400 and "30-02-2031" in resp.get_data(as_text=True)
    assert "admin_holiday_edit" in audit_actions(db)


# --- masters corrected, renamed and retired (#28) ----------------------------------------


def master_form(c, kind, item_id, data, status=302):
    url = f"/admin/masters/{kind}/{item_id}"
    resp = c.submit(url, data, form_page=url)
    assert resp.status_code == status, (kind, data, resp.get_data(as_text=True)[:2000])
    return resp


def test_a_section_is_renamed_and_its_code_corrected_for_new_numbers_only(app, nodal, demo):
    from tests.test_movement import open_file

    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    section = next(s for s in office.sections if s.code == "राज")
    clerk = Client(app.test_client())
    clerk.login("clerk.revenue")
    before = open_file(clerk, db).number
    assert "/राज/" in before
    page = nodal.page(f"/admin/offices/{office.id}")
    assert page.find("a", href=f"/admin/masters/section/{section.id}")
    master_form(nodal, "section", section.id,
                {"name_hi": "राजस्व एवं भू-अभिलेख अनुभाग", "name_en": "Revenue", "code": "रा"})  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Section, section.id).name_hi == "राजस्व एवं भू-अभिलेख अनुभाग"
    head = db.session.scalar(
        select(SubjectHead).where(SubjectHead.office_id == office.id, SubjectHead.code == "भू-अभि")
    )
    resp = clerk.submit("/files/new", {
        "key": str(uuid.uuid4()), "subject": "नामांतरण", "section": str(section.id),
        "head": str(head.id), "kind": "electronic", "category": "0", "grading": "normal",
        "priority": "normal"}, form_page="/files/new")  # fmt: skip
    assert resp.status_code == 302
    after = db.session.scalar(select(File.number).order_by(File.id.desc()).limit(1))
    assert "/रा/" in after and db.session.scalar(select(File.number).where(File.number == before))
    event = db.session.execute(
        text("SELECT data FROM audit_event WHERE action = 'admin_section_edit'")
    ).scalar_one()
    assert event["before"]["code"] == "राज" and event["after"]["code"] == "रा"
    # a code another section has is refused, and so is an empty name
    other = next(s for s in office.sections if s.id != section.id)
    for data, says in (({"name_hi": "x", "code": other.code}, "पहले से"),
                       ({"name_hi": "", "code": "रा"}, "आवश्यक"),
                       ({"name_hi": "\x00", "code": "रा"}, "<html lang=\"hi\""),  # web.hostile
                       ({"name_hi": "न" * 5000, "code": "रा"}, "बहुत लंबा")):  # fmt: skip
        resp = master_form(nodal, "section", section.id, data, status=400)
        assert says in resp.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(Section, section.id).code == "रा"


def test_a_retired_category_and_head_are_not_offered_and_come_back(app, nodal, demo):
    from tests.test_movement import open_file

    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    category = db.session.scalar(
        select(ReceiptCategory).where(
            ReceiptCategory.office_id == office.id, ReceiptCategory.name_hi == "भूमि विवाद"
        )
    )
    head = db.session.scalar(
        select(SubjectHead).where(SubjectHead.office_id == office.id, SubjectHead.code == "भू-अभि")
    )
    clerk = Client(app.test_client())
    clerk.login("clerk.revenue")
    kept = open_file(clerk, db, category=str(category.id))
    assert clerk.page("/receipts/new").find("option", value=str(category.id))

    master_form(nodal, "category", category.id, {"action": "retire"})
    master_form(nodal, "category", category.id, {"action": "retire"})  # a second click
    master_form(nodal, "head", head.id, {"action": "retire"})
    assert not clerk.page("/receipts/new").find("option", value=str(category.id))
    form = clerk.page("/files/new")
    assert not form.find("option", value=str(category.id))
    assert not form.find("select", id="head").find("option", value=str(head.id))
    assert "प्रयोग से बाहर" in nodal.page(f"/admin/offices/{office.id}").get_text()
    # a crafted post with the retired head is refused; the file made before keeps both
    resp = clerk.submit("/files/new", {
        "key": str(uuid.uuid4()), "subject": "नई पत्रावली", "section": str(kept.section_id),
        "head": str(head.id), "kind": "electronic", "category": "0", "grading": "normal",
        "priority": "normal"}, form_page="/files/new")  # fmt: skip
    assert resp.status_code == 400 and "विकल्पों में से" in resp.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(File, kept.id)
    assert kept.category_id == category.id and kept.head_id == head.id

    master_form(nodal, "category", category.id, {"action": "restore"})
    assert clerk.page("/receipts/new").find("option", value=str(category.id))
    actions = audit_actions(db)
    assert "admin_category_retire" in actions and "admin_category_restore" in actions


def test_a_route_is_removed_and_masters_refuse_strangers(nodal, demo):
    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    route = db.session.scalar(select(RouteTemplate).where(RouteTemplate.office_id == office.id))
    if route is None:
        category = db.session.scalar(
            select(ReceiptCategory).where(ReceiptCategory.office_id == office.id)
        )
        post = db.session.scalar(select(Post).where(Post.office_id == office.id))
        post_form(
            nodal, office.id, "routes", {"category": str(category.id), "posts": [str(post.id)]}
        )
        route = db.session.scalar(select(RouteTemplate).where(RouteTemplate.office_id == office.id))
    resp = nodal.submit(
        f"/admin/routes/{route.id}/remove", {}, form_page=f"/admin/offices/{office.id}"
    )
    assert resp.status_code == 302
    assert db.session.get(RouteTemplate, route.id) is None
    assert nodal.get("/admin/masters/nothing/1").status_code == 404
    assert nodal.get("/admin/masters/section/99999999999999999999").status_code == 404
    section = office.sections[0]
    master_form(nodal, "section", section.id, {"action": "melt"}, status=400)


def test_the_next_number_preview_says_what_is_missing(nodal, demo):
    office_id = make_office(nodal)
    page = nodal.page(f"/admin/offices/{office_id}")
    text_ = page.get_text()
    assert "अनुभाग और विषय शीर्ष" in text_ and "तह-मह/राज/" not in text_
    post_form(nodal, office_id, "sections", {"name_hi": "राजस्व अनुभाग", "code": "राज"})
    post_form(nodal, office_id, "heads", {"name_hi": "भूमि अभिलेख", "code": "भू-अभि"})
    assert "तह-मह/राज/भू-अभि/1/" in nodal.page(f"/admin/offices/{office_id}").get_text()
