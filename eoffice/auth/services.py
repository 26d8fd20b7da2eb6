"""Passwords (argon2), login ids, throttling and login. Services flush; views commit."""

from __future__ import annotations

import hashlib
import math
import pickle
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload

from eoffice.auth.models import LoginAttempt, UserSession
from eoffice.org.models import Post, PostHolding, User
from eoffice.platform import audit
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock
from eoffice.platform.text import strip_invisible

LOGIN_ID = re.compile(r"^[a-z0-9._-]{3,64}$")
_hasher = PasswordHasher()
#: Verified against when the login id is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_login_id(raw: str) -> str:
    """Fold compatibility forms (full-width letters), drop zero-width characters, lower-case."""
    return strip_invisible(unicodedata.normalize("NFKC", raw or "")).strip().lower()


def is_valid_login_id(login_id: str) -> bool:
    return bool(LOGIN_ID.match(login_id))


@dataclass
class LoginResult:
    user: User | None
    #: ok, bad_password, unknown_user, disabled, throttled
    outcome: str
    wait_minutes: int = 0


def _wait_minutes(
    column, value: str, limit: int, window: timedelta, now: datetime, *, reset_on_success: bool
) -> int:
    """Minutes until `value` may try again: 0 when under `limit` failures within `window`.
    `reset_on_success`: a success of this value starts the count again (the owner of a login
    ID logged in); never for an address, or one good account would buy an attacker endless
    guesses at others from it."""
    since = now - window
    if reset_on_success:
        last_ok = db.session.scalar(
            select(func.max(LoginAttempt.at)).where(column == value, LoginAttempt.succeeded)
        )
        if last_ok and last_ok > since:
            since = last_ok
    failures = db.session.scalars(
        select(LoginAttempt.at)
        .where(column == value, ~LoginAttempt.succeeded, LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(failures) < limit:
        return 0
    free_at = failures[-1] + window
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def throttle_wait(login_id: str, ip: str) -> int:
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    now = db.session.scalar(select(func.now()))
    return max(
        _wait_minutes(
            LoginAttempt.login_id,
            login_id,
            cfg["LOGIN_MAX_FAILURES_PER_ID"],
            window,
            now,
            reset_on_success=True,
        ),
        # an office behind one NAT address shares this ceiling: it is set well above what
        # one person's typing errors reach (EOFFICE_LOGIN_MAX_FAILURES_PER_IP)
        _wait_minutes(
            LoginAttempt.ip,
            ip,
            cfg["LOGIN_MAX_FAILURES_PER_IP"],
            window,
            now,
            reset_on_success=False,
        ),
    )


def authenticate(raw_login_id: str, password: str, ip: str) -> LoginResult:
    """Check a login and record the attempt, whatever its outcome."""
    login_id = normalise_login_id(raw_login_id)[:64]
    # check, verify and record one at a time per login ID (held until the request commits):
    # sixteen simultaneous guesses got eight checks against a limit of five
    advisory_lock(f"login:{login_id}")
    # and per address (always second: no two requests take the two in opposite order), or a
    # hundred simultaneous guesses at different login IDs got 101 tries against a limit of 100
    advisory_lock(f"login-ip:{ip}")
    wait = throttle_wait(login_id, ip)
    if wait:
        result = LoginResult(None, "throttled", wait)
    else:
        user = db.session.scalar(select(User).where(User.login_id == login_id))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            ok = user is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if user is None:
            result = LoginResult(None, "unknown_user")
        elif not ok:
            result = LoginResult(None, "bad_password")
        elif not user.is_enabled:
            result = LoginResult(None, "disabled")
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            result = LoginResult(user, "ok")
    db.session.add(
        LoginAttempt(
            login_id=login_id, ip=ip, succeeded=result.outcome == "ok", outcome=result.outcome
        )
    )
    if result.user:
        audit.record("login", user_id=result.user.id, object_type="user", object_id=result.user.id)
    db.session.flush()
    return result


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: User, new_password: str, *, keep_session: str | None = None) -> None:
    """The new password; every other session of the user ends (a copied cookie with it)."""
    end_sessions(user.id, "password", keep=keep_session)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = datetime.now(UTC)
    audit.record("password_changed", user_id=user.id, object_type="user", object_id=user.id)
    db.session.flush()


# --- sessions kept on the server ---------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: What every signed-in request asks first: is the cookie's session live, is the user as this
#: process last loaded them, and do they act under a delegation today. The stamp is the row
#: versions of the user, their holdings and those posts and offices — each row's xmin (the
#: transaction that wrote it) and ctid (where that version lies; it differs for two versions
#: written by one transaction): any change to any of them, by anyone, changes the stamp.
#: The statement is the function eo_signed_in (migration 0035), so that Postgres keeps its plan.
_SIGNED_IN = text("SELECT stamp, delegated FROM eo_signed_in(:id, :digest, :today)")
#: per process: {user id: (stamp, the user as loaded, detached with holdings, posts, offices)}
_LOADED: dict[int, tuple[str, User]] = {}
_LOADED_MAX = 5_000


def signed_in(user_id: int, token: str) -> User | None:
    """The user of a live session, in the request's database session, with their holdings,
    posts and offices (Flask-Login's user loader). One small statement per request: the ORM
    load of the user with their charges — a fifth of a busy inbox's time — happens only when
    the stamp shows them changed since this process last loaded them; otherwise the kept copy
    is merged into the session without a query (SQLAlchemy's own caching pattern)."""
    from eoffice.platform.clock import today

    found = db.session.execute(
        _SIGNED_IN, {"id": user_id, "digest": token_digest(token), "today": today()}
    ).one()
    if found.stamp is None:  # no such live session
        return None
    kept = _LOADED.get(user_id)
    # a session already holding the user (a CLI command, a test that loaded it) keeps its own
    held = db.session.identity_key(User, user_id) in db.session.identity_map
    if kept is not None and kept[0] == found.stamp and not held:
        user = db.session.merge(kept[1], load=False)
    else:
        user = (
            db.session.scalars(
                select(User)
                .where(User.id == user_id)
                .options(
                    joinedload(User.holdings).joinedload(PostHolding.post).joinedload(Post.office)
                )
            )
            .unique()
            .one()
        )
        if not held:
            _keep(user_id, found.stamp, user)
    user.delegated_today = found.delegated
    return user


def _keep(user_id: int, stamp: str, user: User) -> None:
    """A detached copy (by pickle, as SQLAlchemy's caching examples do) of the freshly loaded
    user and their charges, for this process's later requests."""
    copy = pickle.loads(pickle.dumps(user))
    # only what the stamp covers: the user, their holdings, those posts and offices; anything
    # else the objects had loaded (a post's section, an office's sections) is left to load
    _only(copy, "holdings")
    for h in copy.holdings:
        _only(h, "post", "user")
        _only(h.post, "office")
        _only(h.post.office)
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[user_id] = (stamp, copy)


def _only(obj, *kept: str) -> None:
    """Forget the object's loaded relationships other than `kept` (they load when asked)."""
    for rel in sa_inspect(obj).mapper.relationships:
        if rel.key not in kept:
            obj.__dict__.pop(rel.key, None)


def start_session(user: User, ip: str, user_agent: str) -> str:
    """A new live session for the user; the token goes into the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            token_sha256=token_digest(token),
            ip=ip[:45],
            user_agent=strip_invisible(user_agent)[:200],
        )
    )
    db.session.flush()
    return token


def end_session(token: str | None, reason: str) -> None:
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_sha256 == token_digest(token), UserSession.ended_at.is_(None))
            .values(ended_at=func.now(), ended_reason=reason)
        )


def end_sessions(user_id: int, reason: str, *, keep: str | None = None) -> int:
    """End every live session of the user but `keep` (a token): how many were ended."""
    q = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep:
        q = q.where(UserSession.token_sha256 != token_digest(keep))
    return db.session.execute(q.values(ended_at=func.now(), ended_reason=reason)).rowcount


def end_own_session(user_id: int, session_id: int) -> bool:
    return bool(
        db.session.execute(
            update(UserSession)
            .where(
                UserSession.id == session_id,
                UserSession.user_id == user_id,
                UserSession.ended_at.is_(None),
            )
            .values(ended_at=func.now(), ended_reason="user")
        ).rowcount
    )


def live_sessions(user_id: int) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def touch_session(token: str) -> None:
    """The session was used just now (called at most once a minute per session)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_sha256 == token_digest(token))
        .values(last_seen_at=func.now())
    )
