"""Who may open what (eoffice/policy/grants.py), held three ways for every demo user and every
item: `can_open(actor, item)` is true exactly when the item is in
`select(...).where(openable(actor, Model))`, and exactly when its page answers 200 (404
otherwise). The hard shapes — confidential, copied, passed through, pulled back, another
office, a part file, a transferred post — are built first, and their expected answers are
written out here by hand, so the three cannot agree on a wrong rule."""

from __future__ import annotations

from sqlalchemy import or_, select

from eoffice.files.models import File, LetterDraft
from eoffice.movement.models import Movement
from eoffice.org import services as org_services
from eoffice.org.models import Office, Post, User
from eoffice.org.services import actor_for
from eoffice.policy import GRANTS, can_open, openable
from eoffice.policy.grants import model, openable_parts
from eoffice.receipts.models import Receipt
from tests.test_letters import new_letter
from tests.test_movement import login, post_id, send  # noqa: F401  (fixture)
from tests.test_notes import new_file
from tests.test_part_files import newest_receipt, open_part
from tests.test_receipts import diarise
from tests.test_tasks import give


def url_of(kind: str, item) -> str:
    if kind == "file":
        return f"/files/{item.id}"
    if kind == "receipt":
        return f"/receipts/{item.id}"
    if kind == "letter":
        return f"/files/{item.file_id}/letters/{item.serial}"
    if kind == "dispatch":
        return f"/files/{item.file_id}/letters/{item.draft.serial}/dispatch"
    return f"/tasks/{item.id}"


def user(db, login_id: str) -> User:
    return db.session.scalar(select(User).where(User.login_id == login_id))


def opens(db, login_id: str, item) -> bool:
    if not isinstance(item, (File, Receipt)):  # the test helpers' SimpleNamespace(id=...)
        item = db.session.get(File, item.id)
    return can_open(actor_for(user(db, login_id)), item)


def matrix(db, login) -> dict[str, set[tuple[str, int]]]:
    """Every user who can sign in × every item of every kind: the three answers agree.
    Returns, per user, the (kind, id) they may open."""
    items = [
        (kind, item)
        for kind, (name, _) in GRANTS.items()
        for item in db.session.scalars(select(model(name)).order_by(model(name).id))
    ]
    assert {k for k, _ in items} >= {"file", "receipt", "letter", "task"}
    urls = {(kind, item.id): url_of(kind, item) for kind, item in items}
    users = db.session.execute(
        select(User.id, User.login_id)
        .where(User.is_enabled, User.must_change_password.is_(False))
        .order_by(User.id)
    ).all()
    assert len(users) >= 10
    seen: dict[str, set[tuple[str, int]]] = {}
    for user_id, login_id in users:
        # the rule and the list first (a request ends the test's session and detaches rows)
        actor = actor_for(db.session.get(User, user_id))
        listed = {
            kind: set(
                db.session.scalars(select(model(name).id).where(openable(actor, model(name))))
            )
            for kind, (name, _) in GRANTS.items()
        }
        # the same items in the two parts a search starts from: wide clauses and narrow ids
        for kind, (name, _) in GRANTS.items():
            wide, narrow = openable_parts(actor, model(name))
            split = (
                set(db.session.scalars(select(model(name).id).where(or_(*wide)))) if wide else set()
            )
            split |= set(db.session.scalars(narrow)) if narrow is not None else set()
            assert split == listed[kind], (login_id, kind, split ^ listed[kind])
        mine = set()
        for kind, item in items:
            one = can_open(actor, item)
            assert one == (item.id in listed[kind]), (login_id, kind, item.id)
            if one:
                mine.add((kind, item.id))
        seen[login_id] = mine
        # then the pages
        c = login(login_id)
        for kind, item in items:
            status = c.get(urls[(kind, item.id)]).status_code
            want = 200 if (kind, item.id) in mine else 404
            assert status == want, (login_id, kind, item.id, status)
    return seen


def test_every_demo_user_and_item_agree_across_the_rule_the_list_and_the_page(app, login, demo):
    db = demo
    clerk = login("clerk.revenue")
    dm_post = post_id(db, "डीएम")
    so_post = post_id(db, "अनु.अधि.-राज")

    # confidential, passed through and copied: clerk → section officer, a copy to the DM
    secret = new_file(clerk, db, subject="गोपनीय: भूमि विवाद की जाँच", grading="confidential")
    assert new_letter(clerk, secret.id).status_code == 302  # a draft letter in it
    send(clerk, "file", secret.id, so_post, copies=str(dm_post))
    # normal, and pulled back before the section officer opened it
    pulled = new_file(clerk, db, subject="चकमार्ग पर अतिक्रमण")
    send(clerk, "file", pulled.id, so_post)
    m = db.session.scalar(select(Movement).where(Movement.file_id == pulled.id))
    resp = clerk.submit(f"/movements/{m.id}/pull-back", {}, form_page="/inbox/sent")
    assert resp.status_code == 302
    # a part file: the main file is with the section officer when a reminder arrives
    main = new_file(clerk, db, subject="खतौनी संशोधन", grading="confidential")
    send(clerk, "file", main.id, so_post)
    assert diarise(clerk, is_physical_only="y", subject="अनुस्मारक").status_code == 302
    reminder = newest_receipt(db)
    assert open_part(clerk, reminder.id, db.session.get(File, main.id).number).status_code == 302
    part = db.session.scalar(select(File).where(File.part_of_id == main.id))

    # tasks: the section officer gives one to the clerk's desk, the DM one to the arms section
    assert give(login("so.revenue"), db).status_code == 302
    assert (
        give(login("dm.lalitpur"), db, to_post=str(post_id(db, "अनु.अधि.-शस्त्र"))).status_code == 302
    )

    # the hard shapes, written out
    assert opens(db, "clerk.revenue", secret) and opens(db, "so.revenue", secret)
    assert opens(db, "dm.lalitpur", secret)  # by the copy, not by rank
    assert not opens(db, "adm.fr", secret)  # an officer of the office, but it is confidential
    assert not opens(db, "so.arms", secret)
    assert opens(db, "so.revenue", pulled)  # it passed through the desk, pulled back or not
    assert opens(db, "adm.fr", pulled)  # normal grade: the office's officers
    assert not opens(db, "so.arms", pulled)  # a section officer of another section
    assert opens(db, "clerk.revenue", part) and not opens(db, "so.revenue", part)
    assert opens(db, "clerk.revenue", reminder)  # diarised by that desk, then put in the part
    assert not opens(db, "adm.fr", main) and opens(db, "so.revenue", main)

    # another office: nobody of the collectorate opens a tehsil's file, whatever the rank
    tehsil = db.session.scalar(select(Office).where(Office.kind == "tehsil").limit(1))
    holder = next(h for p in tehsil.posts for h in p.current_holders if h.role != "staff")
    other = login(holder.login_id)
    assert other.get(f"/files/{pulled.id}").status_code == 404
    assert not opens(db, holder.login_id, pulled) and not opens(db, holder.login_id, secret)

    # a transferred post: the old holder loses what the post saw, the successor gains it
    so = user(db, "so.revenue")
    successor = user(db, "so.arms")
    admin = db.session.scalar(select(User).where(User.role == "district_admin").limit(1))
    with app.test_request_context():  # the audit trail's key comes from the app's config
        org_services.transfer(actor_for(admin), db.session.get(Post, so_post), successor)
        db.session.commit()  # a SAVEPOINT released (tests/factories.py)
    db.session.expire_all()
    assert not opens(db, so.login_id, secret)
    assert opens(db, successor.login_id, secret) and opens(db, successor.login_id, main)

    seen = matrix(db, login)
    assert ("file", secret.id) in seen["dm.lalitpur"]
    assert ("file", secret.id) not in seen["adm.fr"]
    # a task stays with the person who gave it, transferred or not (it is theirs to follow up)
    given = {(k, i) for k, i in seen["clerk.revenue"] if k == "task"}
    assert given and given <= seen["so.revenue"]
    assert any(k == "task" for k, _ in seen["so.arms"]) and any(
        k == "task" for k, _ in seen["clerk.revenue"]
    )
    assert not any(k == "task" for k, _ in seen["adm.fr"])  # neither gave nor holds one
    # every draft letter and dispatch follows its file
    for login_id, mine in seen.items():
        for kind, item_id in mine:
            if kind == "letter":
                assert ("file", db.session.get(LetterDraft, item_id).file_id) in mine, login_id


def test_a_receipt_in_a_file_opens_for_whoever_may_open_the_file(login, demo):
    db = demo
    clerk = login("clerk.revenue")
    assert diarise(clerk, is_physical_only="y", grading="confidential").status_code == 302
    r = newest_receipt(db)
    assert not opens(db, "adm.fr", r)  # confidential: not by rank
    f = new_file(clerk, db, receipt=str(r.id), grading="confidential")
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    db.session.expire_all()
    # the file passed the ADM's desk, so the receipt filed in it opens for the ADM too
    assert opens(db, "adm.fr", db.session.get(Receipt, r.id))
    assert login("adm.fr").get(f"/receipts/{r.id}").status_code == 200
    assert login("so.arms").get(f"/receipts/{r.id}").status_code == 404
