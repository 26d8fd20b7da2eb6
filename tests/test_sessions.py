"""Sessions kept on the server (hostile round 3, item 2): a copied cookie stops working after
logout, after a password change elsewhere, and after an administrator signs the user out; the
user sees their sessions and ends one or all others."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from eoffice.auth.models import UserSession
from tests.conftest import Client
from tests.test_movement import flash_text, login  # noqa: F401  (fixture)


def copy_of(app, c: Client) -> Client:
    """Another client carrying exactly the same cookie: what a thief who copied it has."""
    thief = Client(app.test_client())
    cookie = c.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in(c: Client) -> bool:
    resp = c.get("/inbox")
    return resp.status_code == 200


def test_a_copied_cookie_dies_with_logout(app, login, demo):
    clerk = login("clerk.revenue")
    thief = copy_of(app, clerk)
    assert signed_in(thief)  # a copy works while the session lives: that is what a cookie is
    resp = clerk.submit("/logout", {}, form_page="/")
    assert resp.location == "/login"
    assert not signed_in(thief)
    # nor can the copy diarise (it gets the login page, and nothing is saved)
    token = thief.csrf("/login")
    resp = thief.post("/receipts/new", data={"csrf_token": token, "subject": "x"})
    assert resp.status_code == 302 and resp.location.startswith("/login")
    assert (
        demo.session.scalar(
            select(UserSession.ended_reason).order_by(UserSession.id.desc()).limit(1)
        )
        == "logout"
    )


def test_a_password_change_ends_every_other_session(app, login, demo):
    office_pc = login("clerk.revenue")
    phone = login("clerk.revenue")
    thief = copy_of(app, phone)
    resp = office_pc.submit(
        "/password",
        {
            "current_password": "demo@1234",
            "new_password": "नया पासवर्ड 2026",
            "confirm": "नया पासवर्ड 2026",
        },
    )
    assert "बाकी सभी जगह से" in flash_text(office_pc, resp)
    assert signed_in(office_pc)  # the session that changed it goes on
    assert not signed_in(phone) and not signed_in(thief)


def test_the_user_sees_and_ends_sessions(app, login, demo):
    first = login("clerk.revenue")
    second = login("clerk.revenue")
    third = login("clerk.revenue")
    page = first.page("/me/sessions")
    items = page.find("ul", class_="plain").find_all("li")
    assert len(items) == 3 and "यह सत्र" in page.get_text()
    # end one other session by its id
    other_id = page.find("input", attrs={"name": "session"})["value"]
    resp = first.submit("/me/sessions/end", {"session": other_id}, form_page="/me/sessions")
    assert "समाप्त किए गए सत्र: 1।" in flash_text(first, resp)
    assert [signed_in(c) for c in (second, third)].count(False) == 1
    # someone else's session id, a huge id, a NUL: nothing ended, never a 500
    for bad in ("999999999999999999999", "\x00", "-1"):
        resp = first.submit("/me/sessions/end", {"session": bad}, form_page="/me/sessions")
        assert resp.status_code in (302, 400)
    # all others
    resp = first.submit("/me/sessions/end", {}, form_page="/me/sessions")
    assert signed_in(first) and not signed_in(second) and not signed_in(third)
    live = demo.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.ended_at.is_(None))
    )
    assert live == 1


def test_an_administrator_signs_a_user_out_everywhere(app, login, demo):
    from eoffice.org.models import User

    clerk = login("clerk.revenue")
    thief = copy_of(app, clerk)
    admin = login("nodal")
    user_id = demo.session.scalar(select(User.id).where(User.login_id == "clerk.revenue"))
    page = admin.page(f"/admin/users/{user_id}")
    assert "हर जगह से साइन आउट करें (1 सत्र)" in page.get_text(" ", strip=True)
    resp = admin.submit(
        f"/admin/users/{user_id}/end_sessions", {}, form_page=f"/admin/users/{user_id}"
    )
    assert resp.status_code == 302
    assert not signed_in(clerk) and not signed_in(thief)
    # a password reset by the administrator ends the new login's session as well
    again = login("clerk.revenue")
    admin.submit(f"/admin/users/{user_id}/reset", {}, form_page=f"/admin/users/{user_id}")
    assert not signed_in(again)


def test_a_forged_or_missing_session_token_is_not_signed_in(app, login, demo):
    clerk = login("clerk.revenue")
    with clerk.session_transaction() as s:
        s["sid"] = "made-up"
    assert not signed_in(clerk)
    with clerk.session_transaction() as s:
        s["sid"] = ["not", "a", "string"]
    assert not signed_in(clerk)


def test_the_user_kept_between_requests_is_never_stale(app, login, demo):
    """Issue #32: a process keeps each user as it last loaded them and checks a stamp of row
    versions instead of loading them again; any change to the user, their charges, those posts
    or offices — made by anyone — shows on the very next request."""
    from eoffice.org.models import Office, Post, PostHolding, User
    from tests.test_queries import counted

    db = demo

    def done(statement):  # as another request would: its own commit, nothing left in memory
        db.session.execute(statement)
        db.session.commit()
        db.session.remove()

    def change(model, row_id, **values):
        done(update(model).where(model.id == row_id).values(**values))

    clerk = login("clerk.revenue")
    clerk.get("/inbox")
    with counted(app) as statements:
        page = clerk.get("/inbox").get_data(as_text=True)
    assert not [s for s in statements if "FROM app_user" in s and "xmin" not in s], statements
    user = db.session.scalar(select(User).where(User.login_id == "clerk.revenue"))
    user_id, post = user.id, user.current_holdings[0].post
    post_id, office_id = post.id, post.office_id
    other_id = db.session.scalar(
        select(Post.id).where(Post.office_id == office_id, Post.id != post_id).limit(1)
    )
    assert post.designation_hi in page
    db.session.remove()

    for model, row_id, values, shown in (
        (Post, post_id, {"designation_hi": "डाक लिपिक (नया पदनाम)"}, "डाक लिपिक (नया पदनाम)"),
        (Office, office_id, {"name_hi": "कलेक्ट्रेट (नया नाम)"}, "कलेक्ट्रेट (नया नाम)"),
        (User, user_id, {"name_hi": "नया नाम लिपिक"}, "नया नाम लिपिक"),
    ):
        change(model, row_id, **values)
        assert shown in clerk.get("/inbox").get_data(as_text=True), model

    # an additional charge given, then taken away: the post switcher follows at once
    done(insert(PostHolding).values(user_id=user_id, post_id=other_id, is_additional=True))
    assert 'name="post_id"' in clerk.get("/inbox").get_data(as_text=True)
    done(delete(PostHolding).where(PostHolding.user_id == user_id, PostHolding.post_id == other_id))
    assert 'name="post_id"' not in clerk.get("/inbox").get_data(as_text=True)


def test_a_cookie_sent_back_unchanged_does_not_write_on_every_request(app, login, demo):
    """ "Last active" is written at most once a minute per session, even by a client that
    sends the same old cookie each time (requests already on their way when the first answer
    set a new one; a benchmark tool): a read stays a read (issue #32)."""
    import time

    from tests.test_queries import counted

    clerk = login("clerk.revenue")
    writes = []
    for _ in range(3):
        with clerk.session_transaction() as s:
            s["seen"] = int(time.time()) - 120  # the cookie says: last seen two minutes ago
        with counted(app) as statements:
            assert clerk.get("/inbox").status_code == 200
        writes.append([s for s in statements if s.lstrip().upper().startswith("UPDATE")])
    assert len(writes[0]) == 1 and "user_session" in writes[0][0], writes[0]
    assert writes[1:] == [[], []], writes
