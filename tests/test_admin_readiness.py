"""Roll-out readiness (तैयारी), training sessions, and the audit viewer."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from eoffice.org.models import Office, User
from tests.conftest import Client


@pytest.fixture
def nodal(client, demo):
    client.login("nodal")
    return client


def card(page, office_name: str) -> str:
    for li in page.select("ul.readiness > li"):
        if li.h2.get_text(strip=True) == office_name:
            return " ".join(li.get_text(" ").split())
    raise AssertionError(f"no card for {office_name}")


def test_readiness_counts_what_the_office_has_done(app, nodal, demo):
    db = demo
    tehsil = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    staff = db.session.scalars(
        select(User).where(User.office_id == tehsil.id, User.is_enabled).order_by(User.id)
    ).all()
    n = len(staff)
    page = nodal.page("/admin/readiness")
    before = card(page, tehsil.name_hi)
    assert f"कर्मचारी: {n}" in before
    assert f"प्रशिक्षित {n} में से 0" in before
    assert f"पिछले 7 दिनों में सक्रिय {n} में से 0" in before

    # a training session for two of them; one logs in
    resp = nodal.submit(
        "/admin/training",
        {
            "office": str(tehsil.id),
            "held_on": "01-12-2026",
            "topic": "डाक और पत्रावली",
            "attended": [str(staff[0].id), str(staff[1].id)],
        },
        form_page=f"/admin/training?office={tehsil.id}",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    Client(app.test_client()).login(staff[2].login_id)
    after = card(nodal.page("/admin/readiness"), tehsil.name_hi)
    assert f"प्रशिक्षित {n} में से 2" in after
    assert f"पिछले 7 दिनों में सक्रिय {n} में से 1" in after
    district = card(nodal.page("/admin/readiness"), "पूरा जनपद")
    total = db.session.scalar(select(text("count(*)")).select_from(User).where(User.is_enabled))
    assert f"कर्मचारी: {total}" in district

    # sorted by training, the offices nobody has trained come first, the total last
    cards = [
        li.h2.get_text(strip=True)
        for li in nodal.page("/admin/readiness?sort=trained").select("ul.readiness > li")
    ]
    assert cards[-1] == "पूरा जनपद" and cards[-2] == tehsil.name_hi

    # CSV for Excel: a BOM, Hindi headers, no cell that Excel would run as a formula
    db.session.execute(
        text("UPDATE office SET name_hi = :n WHERE id = :i"),
        {"n": '=HYPERLINK("http://evil.example")', "i": tehsil.id},
    )
    db.session.commit()
    resp = nodal.get("/admin/readiness.csv")
    body = resp.data.decode("utf-8")
    assert resp.mimetype == "text/csv" and body.startswith("\ufeff")
    assert "प्रशिक्षित" in body.splitlines()[0]
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_training_refuses_what_is_not_a_session(nodal, demo):
    db = demo
    tehsil = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    collectorate_clerk = db.session.scalar(select(User).where(User.login_id == "clerk.revenue"))
    for data, says in (
        ({"held_on": "01-12-2026", "topic": "x"}, "निशान"),
        ({"held_on": "31-13-2026", "topic": "x", "attended": ["1"]}, "dd-mm-yyyy"),
        (
            {"held_on": "01-12-2026", "topic": "x", "attended": [str(collectorate_clerk.id)]},
            "निशान",
        ),
        ({"held_on": "01-12-2026", "topic": "", "attended": ["99999999999999999999"]}, "निशान"),
    ):
        resp = nodal.submit(
            "/admin/training", {"office": str(tehsil.id), **data}, form_page="/admin/training"
        )
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), data
    assert db.session.scalar(text("SELECT count(*) FROM training_session")) == 0


def test_who_sees_readiness(app, demo):
    def offices_seen(login):
        c = Client(app.test_client())
        c.login(login)
        resp = c.get("/admin/readiness")
        if resp.status_code != 200:
            return resp.status_code
        return len(c.page("/admin/readiness").select("ul.readiness > li")) - 1

    all_offices = demo.session.scalar(text("SELECT count(*) FROM office"))
    assert offices_seen("nodal") == all_offices
    assert offices_seen("dm.lalitpur") == all_offices  # the collectorate's officers
    assert offices_seen("sdm.sadar") == 1  # an officer elsewhere: their own office
    assert offices_seen("admin.vikas") == 1
    assert offices_seen("clerk.revenue") == 403


def test_the_audit_viewer_filters_pages_and_keeps_to_the_admins_offices(app, nodal, demo):
    db = demo
    # some events to look at: a few logins and a file opened by the revenue clerk
    clerk = Client(app.test_client())
    clerk.login("clerk.revenue")
    page = nodal.page("/admin/audit")
    assert page.select("ol.events > li")
    by_clerk = nodal.page("/admin/audit?user=clerk.revenue")
    events = by_clerk.select("ol.events > li")
    assert events and all("clerk.revenue" in li.get_text() for li in events)
    file_id, number, holder = db.session.execute(
        text(
            "SELECT f.id, f.number, u.login_id FROM efile f "
            "JOIN post_holding h ON h.post_id = f.holder_post_id AND h.until IS NULL "
            "JOIN app_user u ON u.id = h.user_id ORDER BY f.id LIMIT 1"
        )
    ).one()
    reader = Client(app.test_client())
    reader.login(holder)
    assert reader.get(f"/files/{file_id}").status_code == 200  # a "view" of the file
    file_events = nodal.page("/admin/audit", query_string={"file": number}).select("ol.events > li")
    assert file_events and all(number in li.get_text() for li in file_events)
    # a part of the number finds it too; the events read as Hindi sentences, names not ids
    part = number.split("/", 2)[2]  # "भू-अभि/1/2026"
    found = nodal.page("/admin/audit", query_string={"file": part}).select("ol.events > li")
    assert [li["data-id"] for li in found] == [li["data-id"] for li in file_events]
    seen = file_events[0].get_text(" ")
    assert f"ने पत्रावली {number} देखी।" in seen and "{" not in seen and "_id" not in seen
    # dates: a day with nothing, and a date that is not one
    assert "कोई घटना मेल नहीं" in nodal.page("/admin/audit?from=01-01-2001&to=02-01-2001").get_text()
    assert "dd-mm-yyyy" in nodal.page("/admin/audit?from=31-02-2026").get_text()
    # paging by id: 60 more events make two pages; the next starts below the last id shown
    from eoffice.platform import audit

    nodal_id = db.session.scalar(select(User.id).where(User.login_id == "nodal"))
    with app.test_request_context():
        audit.record_many([{"action": "login", "user_id": nodal_id, "n": i} for i in range(60)])
        db.session.commit()
    first = nodal.page("/admin/audit")
    shown = [int(li["data-id"]) for li in first.select("ol.events > li")]
    assert len(shown) == 50 and shown == sorted(shown, reverse=True)
    older = first.find("a", rel="next")
    second = nodal.page(older["href"])
    more = [int(li["data-id"]) for li in second.select("ol.events > li")]
    assert more and max(more) < min(shown)
    # hostile filters: NUL is refused before the view; huge and odd values find nothing
    assert nodal.get("/admin/audit?user=%00").status_code == 400
    assert (
        nodal.get("/admin/audit?before=99999999999999999999&file=" + "क" * 5000).status_code == 200
    )
    # CSV
    csv = nodal.get("/admin/audit.csv?user=clerk.revenue").data.decode()
    assert csv.startswith("\ufeff") and "clerk.revenue" in csv
    # an office admin sees what the people of their own office did, nobody else's
    vikas = Client(app.test_client())
    vikas.login("admin.vikas")
    assert not vikas.page("/admin/audit?user=clerk.revenue").select(
        "ol.events > li:not(:only-child)"
    )
    assert "कोई घटना मेल नहीं" in vikas.page("/admin/audit?user=clerk.revenue").get_text()
    assert "admin.vikas" in vikas.page("/admin/audit").get_text()


def test_officers_see_who_has_seen_a_file(app, demo):
    db = demo
    file_id, holder = db.session.execute(
        text(
            "SELECT f.id, u.login_id FROM efile f "
            "JOIN post_holding h ON h.post_id = f.holder_post_id AND h.until IS NULL "
            "JOIN app_user u ON u.id = h.user_id WHERE f.office_id = "
            "(SELECT id FROM office WHERE code = 'कले') AND f.grading = 'normal' ORDER BY f.id LIMIT 1"
        )
    ).one()
    reader = Client(app.test_client())
    reader.login(holder)
    reader.get(f"/files/{file_id}")
    dm = Client(app.test_client())
    dm.login("dm.lalitpur")
    page = dm.page(f"/files/{file_id}/viewers")
    name = db.session.scalar(select(User.name_hi).where(User.login_id == holder))
    assert name in page.get_text()
    role = db.session.scalar(select(User.role).where(User.login_id == holder))
    expected = 403 if role == "staff" else 200  # staff do not see it, officers do
    assert reader.get(f"/files/{file_id}/viewers").status_code == expected
    stranger = Client(app.test_client())
    stranger.login("bdo.bar")  # an officer of another office, who may not open the file
    assert stranger.get(f"/files/{file_id}/viewers").status_code in (403, 404)


def test_who_is_not_ready_by_name_as_a_page_a_csv_and_a_pdf(app, nodal, demo):
    """The DM's weekly review is on paper: the names of who has not logged in, not been trained
    or has no certificate, with post and office."""
    from tests.test_pdf import extracted, hindi_words

    db = demo
    tehsil = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    staff = db.session.scalars(
        select(User).where(User.office_id == tehsil.id, User.is_enabled).order_by(User.id)
    ).all()
    nodal.submit(
        "/admin/training",
        {"office": str(tehsil.id), "held_on": "01-12-2026", "topic": "डाक और पत्रावली",
         "attended": [str(staff[0].id)]},
        form_page=f"/admin/training?office={tehsil.id}",
    )  # fmt: skip
    assert nodal.page("/admin/readiness").find("a", href="/admin/readiness/names")
    page = nodal.page(f"/admin/readiness/names?office={tehsil.id}&gap=not_trained")
    rows = [tr.get_text(" ", strip=True) for tr in page.select("table.report tbody tr")]
    assert len(rows) == len(staff) - 1
    assert not any(staff[0].login_id in r for r in rows)
    assert any(staff[1].name_hi in r and staff[1].login_id in r and tehsil.name_hi in r
               for r in rows)  # fmt: skip
    # every gap, the whole district: the DM's clerk included, with posts named
    page = nodal.page("/admin/readiness/names")
    text_ = page.get_text(" ")
    assert "रजिस्ट्रार कानूनगो" in text_ and "प्रशिक्षण नहीं हुआ" in text_

    resp = nodal.get(f"/admin/readiness/names.csv?office={tehsil.id}&gap=not_trained")
    body = resp.data.decode("utf-8")
    assert resp.mimetype == "text/csv" and body.startswith("\ufeff")
    assert "प्रशिक्षण नहीं हुआ" in body.splitlines()[0] and staff[1].login_id in body
    assert len(body.strip().splitlines()) == len(staff)  # the header and a line each but one

    resp = nodal.get(f"/admin/readiness/names.pdf?office={tehsil.id}")
    assert resp.mimetype == "application/pdf"
    for tool, got in extracted(resp.data).items():  # a name may wrap in its cell
        words = hindi_words(got)
        assert hindi_words(staff[1].name_hi, "जो अभी तैयार नहीं हैं") <= words, tool

    # the counts print too
    resp = nodal.get("/admin/readiness.pdf")
    assert resp.mimetype == "application/pdf"
    for tool, got in extracted(resp.data).items():
        assert hindi_words(tehsil.name_hi, "प्रशिक्षित") <= hindi_words(got), tool

    # a past session's attendance opens, people told apart
    session_page = nodal.page("/admin/training?office=" + str(tehsil.id))
    link = session_page.find("a", string=lambda s: s and "डाक और पत्रावली" in s)
    attended = nodal.page(link["href"]).get_text(" ")
    assert staff[0].login_id in attended and staff[1].login_id not in attended

    # hostile: an office not theirs, a gap that is none, a huge id
    # an id beyond the database's integers is no office: the whole district, as without one
    assert nodal.get("/admin/readiness/names?office=99999999999999999").status_code == 200
    assert nodal.get("/admin/readiness/names?office=999999").status_code == 404
    assert nodal.get("/admin/readiness/names?gap=drop").status_code == 200
    assert nodal.get("/admin/training/99999999999999999999").status_code == 404


def test_an_officer_of_another_office_sees_only_their_own_names(app, demo):
    db = demo
    bdo = Client(app.test_client())
    bdo.login("bdo.bar")
    page = bdo.page("/admin/readiness/names")
    offices = {tr.find("td").get_text(strip=True) for tr in page.select("table.report tbody tr")}
    assert offices == {"विकास खंड बार"}
    tehsil = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    assert bdo.get(f"/admin/readiness/names?office={tehsil.id}").status_code == 404


def test_the_audit_reads_as_hindi_sentences_and_shows_failed_logins(app, nodal, demo):
    from tests.test_movement import open_file, post_id, send

    db = demo
    clerk = Client(app.test_client())
    clerk.login("clerk.revenue")
    f = open_file(clerk, db)
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    events = nodal.page("/admin/audit?user=clerk.revenue").select("ol.events > li")
    texts = [li.get_text(" ", strip=True) for li in events]
    sent = next(t for t in texts if "भेजी" in t)
    assert f"रामकिशोर यादव (clerk.revenue), लिपिक (राजस्व) ने पत्रावली {f.number}" in sent or (
        f"ने पत्रावली {f.number} अनुभाग अधिकारी" in sent and "को भेजी।" in sent
    ), sent
    assert any(t.startswith("नई पत्रावली खोली") for t in texts), texts
    for t in texts:
        assert "{" not in t and "_id" not in t and "send" not in t, t
    # a transfer reads as one
    tehsil_clerk = db.session.scalar(select(User).where(User.login_id == "clerk.tehsil"))
    from tests import factories

    office = db.session.scalar(select(Office).where(Office.code == "तह-सद"))
    new = factories.post(office=office, designation_hi="वरिष्ठ सहायक", abbreviation="वसहा")
    nodal.submit(f"/admin/users/{tehsil_clerk.id}/charge", {"post": str(new.id)},
                 form_page=f"/admin/users/{tehsil_clerk.id}")  # fmt: skip
    moved = nodal.page("/admin/audit?action=transfer").select("ol.events > li")[0].get_text(" ")
    assert "ने उपयोगकर्ता बृजेश राय (clerk.tehsil) का स्थानांतरण वरिष्ठ सहायक पर किया।" in moved
    assert "समाप्त प्रभार: रजिस्ट्रार कानूनगो" in moved
    # failed logins and a lockout are there, in words
    stranger = Client(app.test_client())
    for _ in range(6):  # the sixth is refused unchecked: a lockout
        stranger.submit("/login", {"login_id": "so.arms", "password": "galat-galat"})
    page = nodal.page("/admin/audit?user=so.arms")
    failed = page.find(id="failed-logins").find_next("ol").get_text(" ")
    assert "गलत पासवर्ड" in failed and "लॉकआउट" in failed
    csv = nodal.get("/admin/audit.csv?user=clerk.revenue").data.decode()
    assert "क्या हुआ" in csv and f"पत्रावली {f.number}" in csv


def test_every_recorded_action_has_words():
    """Walk the code for the actions it records (audit.record, record_on, record_many, the
    admin's _audit), the branches of a conditional and the f-strings' known values included:
    each is named in eoffice.admin.auditwords.ACTIONS."""
    import ast
    from pathlib import Path

    from eoffice.admin.auditwords import ACTIONS

    found: set[str] = set()
    patterns = {"admin_{kind}_edit": ("section", "head", "category"),
                "{action}_file": ("close", "reopen", "park", "resume")}  # fmt: skip
    for path in Path("eoffice").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                    node.func, "id", "")  # fmt: skip
                if name not in ("record", "record_on", "_audit"):
                    continue
                for arg in node.args[:3]:
                    values = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                    got = [v.value for v in values if isinstance(v, ast.Constant)
                           and isinstance(v.value, str) and v.value.replace("_", "").isalpha()
                           and v.value.islower()]  # fmt: skip
                    if got:
                        found.update(got)
                        break
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(k, ast.Constant)
                        and k.value == "action"
                        and isinstance(v, ast.Constant)
                    ):
                        found.add(v.value)
    for pattern, values in patterns.items():
        key = pattern.split("{")[1].split("}")[0]
        found.update(pattern.replace("{" + key + "}", v) for v in values)
    found.update(f"admin_{k}_{w}" for k in ("section", "head", "category")
                 for w in ("retire", "restore"))  # fmt: skip
    assert len(found) > 60
    assert sorted(found - set(ACTIONS)) == []
