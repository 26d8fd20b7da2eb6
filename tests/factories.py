"""Plain factory functions: each builds a valid row with overridable fields and commits.

In tests a commit only releases a SAVEPOINT inside the test's own transaction (rolled back at
the end); it must happen because each request's teardown closes the session, and a closed
session rolls back whatever it had not committed.
"""

from __future__ import annotations

import itertools

from eoffice.auth.services import hash_password
from eoffice.org.models import District, Office, Post, PostHolding, Role, Section, User
from eoffice.platform.extensions import db

_seq = itertools.count(1)
PASSWORD = "test-password-1"
_HASH = None


def _password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def district(**kw) -> District:
    n = next(_seq)
    d = District(code=f"D{n}", name_hi=f"जनपद {n}", name_en=f"District {n}", state_hi="उत्तर प्रदेश")
    for k, v in kw.items():
        setattr(d, k, v)
    db.session.add(d)
    db.session.commit()
    return d


def office(**kw) -> Office:
    n = next(_seq)
    fields = dict(code=f"का{n}", name_hi=f"कार्यालय {n}", name_en=f"Office {n}", kind="tehsil")
    fields.update(kw)
    if "district" not in fields and "district_id" not in fields:
        fields["district"] = district()
    o = Office(**fields)
    db.session.add(o)
    db.session.commit()
    return o


def section(**kw) -> Section:
    n = next(_seq)
    fields = dict(code=f"अ{n}", name_hi=f"अनुभाग {n}", name_en=f"Section {n}")
    fields.update(kw)
    if "office" not in fields:
        fields["office"] = office()
    s = Section(**fields)
    db.session.add(s)
    db.session.commit()
    return s


def post(**kw) -> Post:
    n = next(_seq)
    fields = dict(designation_hi=f"लिपिक {n}", designation_en=f"Clerk {n}", abbreviation=f"लि-{n}")
    fields.update(kw)
    if "office" not in fields:
        fields["office"] = fields["section"].office if "section" in fields else office()
    p = Post(**fields)
    db.session.add(p)
    db.session.commit()
    return p


def user(*, posts: list[Post] | None = None, **kw) -> User:
    n = next(_seq)
    fields = dict(
        login_id=f"user{n}",
        name_hi=f"उपयोगकर्ता {n}",
        name_en=f"User {n}",
        role=Role.STAFF,
        password_hash=_password_hash(),
        must_change_password=False,
    )
    fields.update(kw)
    if "office" not in fields:
        fields["office"] = posts[0].office if posts else office()
    u = User(**fields)
    db.session.add(u)
    for i, p in enumerate(posts or []):
        db.session.add(PostHolding(user=u, post=p, is_additional=i > 0))
    db.session.commit()
    return u
