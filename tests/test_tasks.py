"""Tasks (कार्य) and reminders (अनुस्मारक): given, followed, done and reported; reminders from
the escalation list and the pendency drill-down, seen in the holder's inbox, on the item's
track and by email; access and hostile input."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from eoffice.files.models import File
from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import today
from eoffice.tasks.jobs import notify_reminder_now
from eoffice.tasks.models import Reminder, Task, TaskUpdate
from tests.test_movement import flash_text, login, post_id  # noqa: F401  (fixture)
from tests.test_notifications import smtp  # noqa: F401  (fixture)


def give(c, db, **over):
    data = {
        "title": "बैठक की कार्यवाही भेजें",
        "details": "ज़िला स्तरीय समीक्षा बैठक दिनांक 28-11-2026 की कार्यवाही टाइप कर प्रस्तुत करें।",
        "to_post": str(post_id(db, "लिपिक-राज")),
        "due_on": (today() + timedelta(days=3)).strftime("%d-%m-%Y"),
        "number": "",
    }
    data.update(over)
    return c.submit("/tasks/new", data)


def khatauni(db) -> File:
    return db.session.scalar(select(File).where(File.subject.like("%खतौनी%")))


def test_a_task_is_given_done_and_reported(login, demo):  # noqa: F811
    db = demo
    so = login("so.revenue")
    f = khatauni(db)
    resp = give(so, db, number=f.number)
    assert resp.status_code == 302 and "कार्य" in flash_text(so, resp)
    task = db.session.scalar(select(Task))
    assert task.file_id == f.id and task.status == "open"

    clerk = login("clerk.revenue")
    home = clerk.page("/").find(id="my-work").get_text(" ")
    assert "1 कार्य लंबित" in " ".join(home.split())
    listed = clerk.page("/tasks")
    assert listed.find("a", string="बैठक की कार्यवाही भेजें") is not None
    row = listed.find("a", string="बैठक की कार्यवाही भेजें").find_parent("tr").get_text(" ")
    assert "लंबित" in row and "खोलें" not in row  # a status, not a verb
    page = clerk.page(f"/tasks/{task.id}")
    assert f.number in page.get_text()
    key = page.find("input", attrs={"name": "key"})["value"]
    url = f"/tasks/{task.id}/progress"
    resp = clerk.submit(
        url,
        {"key": key, "remarks": "प्रारूप तैयार, टाइपिंग जारी", "action": "progress"},
        form_page=f"/tasks/{task.id}",
    )
    assert resp.status_code == 302
    page = clerk.page(f"/tasks/{task.id}")
    key = page.find("input", attrs={"name": "key"})["value"]
    done = {"key": key, "remarks": "कार्यवाही टाइप कर प्रस्तुत की गई।", "action": "done"}
    resp = clerk.submit(url, done, form_page=f"/tasks/{task.id}")
    assert "कार्य पूर्ण चिह्नित" in flash_text(clerk, resp)
    assert clerk.submit(url, done, form_page=f"/tasks/{task.id}").status_code == 302  # again
    assert db.session.scalar(select(Task.status)) == "done"
    assert db.session.scalar(select(func.count(TaskUpdate.id))) == 2  # the resubmission: none
    # the giver follows it
    assert "पूर्ण" in so.page("/tasks?by=me").get_text()
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task"))
    )
    assert actions == {"task_assign", "task_progress", "task_done"}


def test_overdue_tasks_show_in_the_report_and_on_the_home_page(login, demo):  # noqa: F811
    db = demo
    so = login("so.revenue")
    assert give(so, db).status_code == 302
    db.session.execute(Task.__table__.update().values(due_on=today() - timedelta(days=2)))
    db.session.commit()
    report = so.page("/reports/pendency").get_text(" ")
    assert "पटलवार समय-सीमा पार कार्य" in report
    home = " ".join(login("clerk.revenue").page("/").find(id="my-work").get_text(" ").split())
    assert "1 कार्य समय-सीमा पार" in home


def test_who_may_give_and_see_a_task(app, login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    assert clerk.get("/tasks/new").status_code == 403  # staff give no tasks
    so = login("so.revenue")
    resp = give(so, db, to_post=str(post_id(db, "तहसीलदार")))  # not her section's desk
    assert resp.status_code == 400 and "विकल्प" in resp.get_data(as_text=True)
    assert give(so, db).status_code == 302
    task = db.session.scalar(select(Task))
    assert login("clerk.arms").get(f"/tasks/{task.id}").status_code == 404
    assert login("tehsildar").get(f"/tasks/{task.id}").status_code == 404
    # only the holder records progress; the giver cannot mark it done for them
    page = so.page(f"/tasks/{task.id}")
    assert page.find("button", attrs={"value": "done"}) is None
    resp = so.submit(
        f"/tasks/{task.id}/progress",
        {"remarks": "हो गया", "action": "done", "key": ""},
        form_page=f"/tasks/{task.id}",
    )
    assert "केवल उसी पद" in flash_text(so, resp)
    assert db.session.scalar(select(Task.status)) == "open"


def test_hostile_task_forms(login, demo):  # noqa: F811
    db = demo
    so = login("so.revenue")
    cases = [
        ({"title": " \u200b "}, "लिखें कि क्या करना है"),
        ({"due_on": (today() - timedelta(days=1)).strftime("%d-%m-%Y")}, "बीती हुई"),
        ({"due_on": "31-02-2026"}, "सही तिथि"),
        ({"due_on": (today() + timedelta(days=400)).strftime("%d-%m-%Y")}, "एक वर्ष"),
        ({"details": "क" * 5001}, "अधिकतम"),
        ({"title": "x" * 301}, "अधिकतम"),
        ({"number": "कले/9999/999999"}, "कोई पत्रावली या आवती नहीं"),
        ({"to_post": "99999999999999999999"}, "विकल्प"),
        ({"to_post": "abc"}, "विकल्प"),
    ]
    for over, words in cases:
        resp = give(so, db, **over)
        assert resp.status_code == 400, over
        assert words in resp.get_data(as_text=True), (over, words)
    assert db.session.scalar(select(func.count(Task.id))) == 0
    assert so.get("/tasks/99999999999999999999").status_code == 404
    assert so.get("/tasks?by=%00").status_code == 400
    mixed = give(so, db, title="Meeting की minutes भेजें\u200b")
    assert mixed.status_code == 302
    assert db.session.scalar(select(Task.title)) == "Meeting की minutes भेजें"


def test_a_reminder_from_the_escalation_list_reaches_the_holder(app, login, demo, smtp):  # noqa: F811
    db = demo
    adm = login("adm.fr")
    f = khatauni(db)  # overdue, with so.revenue
    page = adm.page("/inbox/overdue")
    form = page.find("form", action=f"/file/{f.id}/remind")
    assert form is not None
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    assert "message" in data  # the form offers a message (optional)
    data["message"] = "कृपया आज ही प्रस्तुत करें"
    resp = adm.post(form["action"], data=data)
    assert resp.status_code == 302 and "अनुस्मारक" in flash_text(adm, resp)
    assert adm.post(form["action"], data=data).status_code == 302  # double submission: one
    assert db.session.scalar(select(func.count(Reminder.id))) == 1
    data["key"] = "another"
    again = adm.post(form["action"], data=data)
    assert "आज इस पटल को अनुस्मारक पहले ही" in flash_text(adm, again)

    so = login("so.revenue")
    tabs = so.page("/inbox").find(class_="tabs").get_text(" ")
    assert "अनुस्मारक (1)" in tabs
    listed = so.page("/inbox/reminders")
    assert f.number in listed.get_text() and "नया" in listed.get_text()
    assert "कृपया आज ही प्रस्तुत करें" in listed.get_text()
    assert "अनुस्मारक (1)" not in so.page("/inbox").find(class_="tabs").get_text(" ")  # seen
    track = so.page(f"/file/{f.id}/track").get_text(" ")
    assert "अनुस्मारक भेजा" in track and "देखा गया" in track
    r = db.session.scalar(select(Reminder))
    assert notify_reminder_now(app, r.id) == 1
    (msg,) = smtp.messages
    assert msg["To"] == "so.revenue@demo.eoffice.example" and f.number in msg["Subject"]
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "remind"))
        == 1
    )


def test_reminders_stay_within_the_rules(login, demo):  # noqa: F811
    db = demo
    f = khatauni(db)
    clerk = login("clerk.revenue")
    token = clerk.csrf("/")
    assert (
        clerk.post(f"/file/{f.id}/remind", data={"csrf_token": token, "key": "k"}).status_code
        == 403
    )
    sdm = login("sdm.sadar")  # another office's officer
    token = sdm.csrf("/")
    assert (
        sdm.post(f"/file/{f.id}/remind", data={"csrf_token": token, "key": "k"}).status_code == 404
    )
    so = login("so.revenue")  # her own desk
    token = so.csrf("/")
    assert (
        so.post(f"/file/{f.id}/remind", data={"csrf_token": token, "key": "k"}).status_code == 404
    )
    dm = login("dm.lalitpur")  # the district: from the pendency drill-down
    link = dm.page("/reports/pendency").select_one(
        f"a[href*='/reports/pendency/{f.holder_post_id}']"
    )
    items = dm.page(link["href"])
    form = items.find("form", action=f"/file/{f.id}/remind")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["message"] = "म" * 2001
    resp = dm.post(form["action"], data=data)
    assert "अधिकतम" in flash_text(dm, resp)
    data["message"] = "कृपया आज ही निस्तारित करें"
    resp = dm.post(form["action"], data=data)
    assert resp.location.startswith("/reports/pendency/")
    assert db.session.scalar(select(Reminder.message)) == "कृपया आज ही निस्तारित करें"
    assert dm.post("/file/99999999999999999999/remind", data=data).status_code == 404
