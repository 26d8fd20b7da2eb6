"""A district's people over years (#28): a staff list's designations become posts, people
with the same name are told apart wherever they are chosen, a deactivated user holds nothing,
and a transfer is one action with a date that leaves one regular post."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eoffice.admin import staff
from eoffice.admin.jobs import apply_import_now
from eoffice.admin.models import StaffImport
from eoffice.files.models import File
from eoffice.org.models import Delegation, Office, Post, PostHolding, Section, User
from eoffice.platform.clock import today
from tests import factories
from tests.conftest import Client
from tests.html import check_page
from tests.test_admin import xlsx
from tests.test_movement import login, open_file, post_id, send, send_form  # noqa: F401

HEADER = ["क्रम", "नाम", "Name in English", "पदनाम", "अनुभाग", "मोबाइल", "कर्मचारी कोड"]
DESIGNATIONS = ["लेखपाल", "राजस्व निरीक्षक", "कनिष्ठ सहायक", "चपरासी"]
SURNAMES = ["सिंह", "यादव", "वर्मा", "मिश्र", "खान", "पाल", "राय", "साहू", "अहिरवार", "गुप्ता"]
FIRST = ["राम", "सीता", "मोहन", "गीता", "सुरेश"]


def fifty_rows() -> list[list[str]]:
    """A tehsil's list with the usual faults: four अंकुर सिंह, a junk English name, designations
    repeated, three rows with no designation at all."""
    rows = [
        ["1", "अंकुर सिंह", "", "लेखपाल", "राज", "9450000001", "LP-1"],
        ["2", "अंकुर सिंह", "@SUM(A1)", "लेखपाल", "राजस्व अनुभाग", "9450000002", "LP-2"],
        ["3", "अंकुर सिंह", "#REF!", "राजस्व निरीक्षक", "राज", "9450000003", "LP-3"],
        ["4", "अंकुर सिंह", "Ankur Singh", "चपरासी", "", "9450000004", "LP-4"],
    ]
    n = 5
    while len(rows) < 47:
        name = f"{FIRST[n % 5]} {SURNAMES[n % 10]}"
        rows.append(
            [str(n), name, "", DESIGNATIONS[n % 4], "राज" if n % 4 < 3 else "",
             f"94500{n:05d}", f"LP-{n}"]
        )  # fmt: skip
        n += 1
    for _ in range(3):
        rows.append([str(n), f"बिना पद {FIRST[n % 5]}", "", "", "", f"94500{n:05d}", f"LP-{n}"])
        n += 1
    return rows


@pytest.fixture
def nodal(app, demo):
    c = Client(app.test_client())
    c.login("nodal")
    return c


def tehsil(db) -> Office:
    return db.session.scalar(select(Office).where(Office.code == "तह-सद"))


def import_list(app, c, db, rows, *, create=True) -> StaffImport:
    """Upload, check the preview, confirm, and run what the job worker runs."""
    form = {"create_posts": "y"} if create else {}
    resp = c.submit(
        "/admin/staff/import",
        {**form, "file": (io.BytesIO(xlsx(rows, HEADER)), "staff.xlsx"),
         "office": str(tehsil(db).id)},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    imp_id = int(resp.location.rsplit("/", 1)[1])
    resp = c.submit(f"/admin/staff/imports/{imp_id}/confirm", {}, form_page=resp.location)
    imp = db.session.get(StaffImport, imp_id)
    if imp.status == "queued":
        assert apply_import_now(app, imp_id, db.session.scalar(
            select(User.id).where(User.login_id == "nodal"))) == "applied"  # fmt: skip
    db.session.expire_all()
    return db.session.get(StaffImport, imp_id)


def regular_posts(db, user: User) -> list[Post]:
    return list(
        db.session.scalars(
            select(Post)
            .join(PostHolding, PostHolding.post_id == Post.id)
            .where(
                PostHolding.user_id == user.id,
                PostHolding.until.is_(None),
                PostHolding.is_additional.is_(False),
            )
        )
    )


def test_a_fifty_row_list_gets_posts_from_designations_and_people_are_told_apart(app, nodal, demo):
    db = demo
    office = tehsil(db)
    raj = db.session.scalar(select(Section).where(Section.office_id == office.id))
    vacant = factories.post(
        office=office, section=raj, designation_hi="लेखपाल", designation_en="Lekhpal",
        abbreviation="लेखपाल-1",
    )  # fmt: skip
    rows = fifty_rows()

    # the preview says which post each row gets, and how many are left without one
    resp = nodal.submit(
        "/admin/staff/import",
        {"create_posts": "y", "office": str(office.id),
         "file": (io.BytesIO(xlsx(rows, HEADER)), "staff.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    page = nodal.page(resp.location)
    text = page.get_text(" ")
    assert "बिना पद: 3" in text.replace("\n", " ").replace("  ", " ")
    imp = db.session.get(StaffImport, int(resp.location.rsplit("/", 1)[1]))
    by_line = {r["line"]: r for r in imp.plan}
    assert by_line[2]["post_abbreviation"] == "लेखपाल-1" and not by_line[2]["post_created"]
    assert by_line[3]["post_abbreviation"] == "लेखपाल-राज" and by_line[3]["post_created"]
    assert by_line[9]["post_abbreviation"] == "लेखपाल-राज-2"  # the next लेखपाल
    assert "रिक्त पद" in text and "नया पद" in text
    # a junk English column is not a name: the login ID comes from the Hindi
    assert by_line[3]["login_id"] == "ankur.singh2" and by_line[3]["name_en"] == "Ankur Singh"
    assert by_line[4]["login_id"] == "ankur.singh3" and "ref" not in by_line[4]["login_id"]
    assert staff.summary(imp.plan)["no_post"] == 3

    # confirmed: more than INLINE_NEW new users go to the job worker
    resp = nodal.submit(f"/admin/staff/imports/{imp.id}/confirm", {}, form_page=resp.location)
    db.session.expire_all()
    assert db.session.get(StaffImport, imp.id).status == "queued"
    nodal_id = db.session.scalar(select(User.id).where(User.login_id == "nodal"))
    assert apply_import_now(app, imp.id, nodal_id) == "applied"
    db.session.expire_all()
    people = db.session.scalars(select(User).where(User.employee_id.like("LP-%"))).all()
    assert len(people) == 50
    with_post = [u for u in people if regular_posts(db, u)]
    assert len(with_post) == 47 and all(len(regular_posts(db, u)) == 1 for u in with_post)
    assert [
        p.id for p in regular_posts(db, next(u for u in people if u.employee_id == "LP-1"))
    ] == [vacant.id]
    # one-time passwords are hashed like chosen ones (argon2's defaults)
    assert all(u.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$") for u in people)

    # the result links to the people still without a post
    page = nodal.page(f"/admin/staff/imports/{imp.id}")
    link = page.find("a", string="सूची: उन्हें प्रभार दें")
    listed = nodal.page(link["href"]).find("ul", class_="cards").get_text(" ")
    assert listed.count("बिना पद") == 3 and "अंकुर" not in listed

    # four अंकुर सिंह, told apart by post and login ID in the training list …
    training = nodal.page(f"/admin/training?office={office.id}")
    labels = [lab.get_text() for lab in training.find_all("label") if "अंकुर सिंह" in lab.get_text()]
    assert len(labels) == 4 and len(set(labels)) == 4
    assert any("लेखपाल" in lab and "ankur.singh2" in lab for lab in labels)
    # … and in the change-holder picker, found by a few letters without JavaScript
    post = db.session.scalar(select(Post).where(Post.abbreviation == "लेखपाल-राज-2"))
    picker = nodal.page(f"/office/posts/{post.id}/holder?q=अंकुर सिंह")
    options = [o.get_text() for o in picker.find("select").find_all("option")][1:]
    assert len(options) == 4 and len(set(options)) == 4
    assert all("ankur.singh" in o for o in options)
    assert len(nodal.page(f"/office/posts/{post.id}/holder?q=ankur.singh3").find(
        "select").find_all("option")) == 2  # fmt: skip

    # the same list again changes nothing: no new posts, no second charge
    posts_before = db.session.scalar(select(func.count(Post.id)))
    again = import_list(app, nodal, db, rows)
    assert staff.summary(again.plan)["new"] == 0 and staff.summary(again.plan)["posts"] == 0
    assert db.session.scalar(select(func.count(Post.id))) == posts_before
    assert all(len(regular_posts(db, u)) == 1 for u in with_post)


def test_plausible_english_names():
    for good in ("Ram Kishor Yadav", "R. K. Yadav", "D'Souza", "Anne-Marie"):
        assert staff.plausible_name(good), good
    for junk in ("@SUM(A1)", "#REF!", "1234", "N/A", "=A1", "x", "", "राम", "a1b2"):
        assert not staff.plausible_name(junk), junk


def test_a_deactivated_user_holds_nothing_and_their_desk_cannot_be_sent_to(app, nodal, demo, login):
    db = demo
    office = tehsil(db)
    desk = factories.post(office=office, designation_hi="लेखपाल", abbreviation="लेखपाल-9")
    gone = factories.user(office=office, name_hi="रमेश चंद्र", employee_id="LP-900",
                          mobile="9450099999", posts=[desk])  # fmt: skip
    # deactivated, after being told what the desk holds
    page = nodal.page(f"/admin/users/{gone.id}")
    assert page.find("form", action=f"/admin/users/{gone.id}/disable")
    resp = nodal.submit(f"/admin/users/{gone.id}/disable", {}, form_page=f"/admin/users/{gone.id}")
    assert resp.status_code == 200 and "ये पद तब तक रिक्त रहेंगे" in resp.get_data(as_text=True)
    assert "लेखपाल" in check_page(resp).find("main").get_text()
    nodal.submit(f"/admin/users/{gone.id}/disable", {"confirm": "1"},
                 form_page=f"/admin/users/{gone.id}")  # fmt: skip
    db.session.expire_all()
    assert not regular_posts(db, db.session.get(User, gone.id))

    # a re-import of the list that names them gives them nothing, and says why
    imp = import_list(app, nodal, db, [["1", "रमेश चंद्र", "", "लेखपाल", "", "9450099999",
                                         "LP-900"]])  # fmt: skip
    assert imp.plan[0]["action"] == "error"
    assert imp.plan[0]["errors"] == [{"code": "user_disabled"}]
    assert not regular_posts(db, db.session.get(User, gone.id))
    page = nodal.page(f"/admin/staff/imports/{imp.id}").get_text()
    assert "निष्क्रिय है" in page
    # nor does the admin's charge form
    resp = nodal.submit(f"/admin/users/{gone.id}/charge", {"post": str(desk.id)},
                        form_page=f"/admin/users/{gone.id}")  # fmt: skip
    assert resp.status_code == 400 and "निष्क्रिय" in resp.get_data(as_text=True)

    # a charge left over from before (an old re-import): the desk is still vacant everywhere
    db.session.add(PostHolding(user_id=gone.id, post_id=desk.id))
    db.session.commit()
    clerk = login("clerk.revenue")
    f = open_file(clerk, db)
    found = send_form(clerk, "file", f.id)  # the Find button, as without JavaScript
    found.update({"q": "लेखपाल-9", "action": "find"})
    option = check_page(clerk.post(f"/file/{f.id}/send", data=found)).find(
        "option", value=str(desk.id)
    )
    assert option is not None and "रिक्त" in option.get_text() and "रमेश" not in option.get_text()
    resp = send(clerk, "file", f.id, desk.id)
    body = check_page(resp).get_text(" ")
    assert resp.status_code == 400 and "रिक्त है" in body
    assert "प्रीति गुप्ता (9415000007)" in body  # whom to ask: the district's admin
    assert db.session.get(File, f.id).holder_post_id != desk.id

    # a delegation to someone later deactivated ends with them
    stand_in = factories.user(office=office, name_hi="कमल किशोर")
    so = login("so.revenue")
    so_post = post_id(db, "अनु.अधि.-राज")
    resp = so.submit("/charge/delegations?q=कमल", {
        "post": str(so_post), "delegate": str(stand_in.id),
        "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=3)).isoformat(),
    }, form_page="/charge/delegations?q=कमल")  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    nodal.submit(f"/admin/users/{stand_in.id}/disable", {"confirm": "1"},
                 form_page=f"/admin/users/{stand_in.id}")  # fmt: skip
    d = db.session.scalar(select(Delegation).where(Delegation.delegate_id == stand_in.id))
    assert d.revoked_at is not None


def test_a_transfer_is_one_action_with_a_date(app, nodal, demo):
    db = demo
    office = tehsil(db)
    clerk = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    old = post_id(db, "लिपिक-तह")
    held_before = db.session.scalars(select(File.id).where(File.holder_post_id == old)).all()
    new = factories.post(office=office, designation_hi="वरिष्ठ सहायक", abbreviation="वसहा")
    url = f"/admin/users/{clerk.id}"
    since = db.session.scalar(
        select(PostHolding.since).where(PostHolding.user_id == clerk.id, PostHolding.post_id == old)
    )

    for on, says in (
        ((today() + timedelta(days=2)).strftime("%d-%m-%Y"), "भविष्य"),
        ((since - timedelta(days=1)).strftime("%d-%m-%Y"), "से पहले"),
        ("31-02-2026", "दिन-माह-वर्ष"),
    ):
        resp = nodal.submit(f"{url}/charge", {"post": str(new.id), "on": on}, form_page=url)
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), on
        db.session.expire_all()
        assert [p.id for p in regular_posts(db, clerk)] == [old]

    resp = nodal.submit(f"{url}/charge", {"post": str(new.id), "on": today().strftime("%d-%m-%Y")},
                        form_page=url)  # fmt: skip
    assert resp.status_code == 302
    db.session.expire_all()
    assert [p.id for p in regular_posts(db, clerk)] == [new.id]
    ended = db.session.scalar(
        select(PostHolding).where(PostHolding.user_id == clerk.id, PostHolding.post_id == old)
    )
    assert ended.until == today()
    # the old post's files stay with it, for its next holder
    assert (
        db.session.scalars(select(File.id).where(File.holder_post_id == old)).all() == held_before
    )
    # the same form again (a double click) is told so, and changes nothing
    resp = nodal.submit(f"{url}/charge", {"post": str(new.id)}, form_page=url)
    assert resp.status_code == 400 and "पहले से" in resp.get_data(as_text=True)

    # an additional charge stays explicit: the regular post stays
    extra = factories.post(office=office, designation_hi="नायब तहसीलदार", abbreviation="नातह")
    nodal.submit(f"{url}/charge", {"post": str(extra.id), "additional": "y"}, form_page=url)
    db.session.expire_all()
    assert [p.id for p in regular_posts(db, clerk)] == [new.id]

    # to another office of the district: the user moves, every charge of the old office ends
    block = db.session.scalar(select(Office).where(Office.code == "ब्लॉक-बार"))
    far = factories.post(office=block, designation_hi="सहायक विकास अधिकारी", abbreviation="एडीओ")
    resp = nodal.submit(f"{url}/charge", {"post": str(far.id), "additional": "y"}, form_page=url)
    assert resp.status_code == 400 and "अपने कार्यालय" in resp.get_data(as_text=True)
    page = nodal.page(f"{url}?q=सहायक विकास")
    assert page.find("option", value=str(far.id))
    resp = nodal.submit(f"{url}/charge", {"post": str(far.id)}, form_page=f"{url}?q=सहायक विकास")
    assert resp.status_code == 302
    db.session.expire_all()
    moved = db.session.get(User, clerk.id)
    assert moved.office_id == block.id
    assert [h.post_id for h in moved.holdings if h.until is None] == [far.id]


def test_change_holder_ends_the_successors_own_regular_post(app, nodal, demo):
    db = demo
    office = tehsil(db)
    post = factories.post(office=office, designation_hi="कानूनगो", abbreviation="कानू")
    clerk = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    url = f"/office/posts/{post.id}/holder"
    page = nodal.page(f"{url}?q=clerk.tehsil")
    option = page.find("option", value=str(clerk.id))
    assert "रजिस्ट्रार कानूनगो" in option.get_text() and "clerk.tehsil" in option.get_text()
    resp = nodal.submit(url, {"successor": str(clerk.id), "q": "clerk.tehsil"},
                        form_page=f"{url}?q=clerk.tehsil")  # fmt: skip
    assert "आज समाप्त होगा (स्थानांतरण): रजिस्ट्रार कानूनगो" in resp.get_data(as_text=True)
    resp = nodal.submit(url, {"successor": str(clerk.id), "confirm": "1"},
                        form_page=f"{url}?q=clerk.tehsil")  # fmt: skip
    assert resp.status_code == 302
    db.session.expire_all()
    assert [p.id for p in regular_posts(db, clerk)] == [post.id]


@pytest.mark.parametrize("q", ["\x00", "ज़\u200bरा", "x" * 5000, "%", "'; DROP TABLE app_user;--"])
def test_hostile_searches_of_people_answer_plainly(nodal, demo, q):
    db = demo
    office = tehsil(db)
    post = db.session.scalar(select(Post).where(Post.office_id == office.id))
    for url in (f"/admin/offices/{office.id}/users", f"/office/posts/{post.id}/holder",
                "/charge/delegations", f"/admin/users/{db.session.scalar(select(User.id))}"):  # fmt: skip
        resp = nodal.get(url, query_string={"q": q})
        # a NUL is refused before any view (web.hostile); the rest are searched for
        assert resp.status_code == (400 if "\x00" in q else 200), (url, q, resp.status_code)
        check_page(resp)


def test_hostile_charge_forms(nodal, demo):
    db = demo
    clerk = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    url = f"/admin/users/{clerk.id}"
    for data in ({"post": "99999999999999999999"}, {"post": "\x00"}, {"post": ""},
                 {"post": str(post_id(db, "लिपिक-तह")), "on": "\x00" * 20}):  # fmt: skip
        resp = nodal.submit(f"{url}/charge", data, form_page=url)
        assert resp.status_code == 400, data
        check_page(resp)
    db.session.expire_all()
    assert [p.abbreviation for p in regular_posts(db, clerk)] == ["लिपिक-तह"]


def test_a_post_beyond_the_first_hundred_is_found_on_the_users_page(app, demo):
    """An office with more posts than the list shows (a tehsil after its staff list): its own
    admin finds the one they want by a few letters (there was a search for the district admin
    only, and the list stopped at 100)."""
    db = demo
    vikas = db.session.scalar(select(Office).where(Office.code == "विभ"))
    for n in range(105):
        factories.post(office=vikas, designation_hi=f"सहायक {n}", abbreviation=f"सहा-{n}")
    last = factories.post(office=vikas, designation_hi="लेखाकार", abbreviation="लेखा", rank=999)
    clerk = db.session.scalar(select(User).where(User.login_id == "clerk.vikas"))
    admin = Client(app.test_client())
    admin.login("admin.vikas")
    page = admin.page(f"/admin/users/{clerk.id}")
    assert not page.find("option", value=str(last.id))  # beyond the first hundred
    assert page.find("form", attrs={"role": "search"})
    found = admin.page(f"/admin/users/{clerk.id}?q=लेखाकार")
    assert found.find("option", value=str(last.id))
