"""Sessions kept on the server (hostile round 3, item 2): a copied cookie stops working after
logout, after a password change elsewhere, and after an administrator signs the user out; the
user sees their sessions and ends one or all others."""

from __future__ import annotations

from sqlalchemy import func, select

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
