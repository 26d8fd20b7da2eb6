"""The audit viewer: events filtered by user, post, file or receipt, action and dates, newest
first, paged by id (a cursor, never OFFSET: fast on 10M events). Office admins see what the
people of their offices did; the district admin everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import false, select

from eoffice.admin.setup import parse_date
from eoffice.files.models import File
from eoffice.org.models import Post, User
from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import start_of
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line
from eoffice.receipts.models import Receipt
from eoffice.web.hostile import db_int

#: most rows of one CSV export
CSV_LIMIT = 100_000


@dataclass
class Filters:
    user: str = ""
    post: str = ""
    file: str = ""
    receipt: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None
    before: int | None = None
    #: what could not be understood (a date), said on the page
    problems: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args) -> Filters:
        problems = []

        def day(name: str) -> date | None:
            value = clean_line(args.get(name))[:20]
            if not value:
                return None
            try:
                return parse_date(value)
            except Refused:
                problems.append(name)
                return None

        before = args.get("before", type=db_int)
        return cls(
            user=clean_line(args.get("user")).lower()[:64],
            post=clean_line(args.get("post"))[:40],
            file=clean_line(args.get("file"))[:120],
            receipt=clean_line(args.get("receipt"))[:40],
            action=clean_line(args.get("action"))[:40],
            start=day("from"),
            end=day("to"),
            before=before if before and before > 0 else None,
            problems=tuple(problems),
        )

    def args(self, **over) -> dict[str, str]:
        out = {
            "user": self.user,
            "post": self.post,
            "file": self.file,
            "receipt": self.receipt,
            "action": self.action,
            "from": self.start.strftime("%d-%m-%Y") if self.start else "",
            "to": self.end.strftime("%d-%m-%Y") if self.end else "",
        }
        out.update({k: str(v) for k, v in over.items()})
        return {k: v for k, v in out.items() if v}


def events(
    f: Filters, office_ids: list[int] | None, *, limit: int, s=None
) -> tuple[list[AuditEvent], bool]:
    """(up to `limit` events, whether there are more). `office_ids` None: the whole district.
    `s`: the session to read with (the replica's, from eoffice.platform.replica.read_session)."""
    s = s or db.session
    q = select(AuditEvent)
    if office_ids is not None:
        q = q.where(
            AuditEvent.actor_user_id.in_(select(User.id).where(User.office_id.in_(office_ids)))
        )
    if f.user:
        q = q.where(
            AuditEvent.actor_user_id == _id_of(select(User.id).where(User.login_id == f.user))
        )
    if f.post:
        posts = select(Post.id).where(Post.abbreviation == f.post)
        if office_ids is not None:
            posts = posts.where(Post.office_id.in_(office_ids))
        q = q.where(AuditEvent.actor_post_id.in_(posts))
    if f.file:
        q = q.where(
            AuditEvent.object_type == "file",
            AuditEvent.object_id.in_(select(File.id).where(_number_matches(File.number, f.file))),
        )
    if f.receipt:
        q = q.where(
            AuditEvent.object_type == "receipt",
            AuditEvent.object_id.in_(
                select(Receipt.id).where(_number_matches(Receipt.diary_number, f.receipt))
            ),
        )
    if f.action:
        q = q.where(AuditEvent.action == f.action)
    # A date range is also an id range: events are numbered in the order they happen (one
    # writer at a time, under the chain's lock), so the first event from `start` and the last
    # before `end` bound the ids, and the newest-first walk starts at the right place.
    if f.start:
        at = start_of(f.start)
        q = q.where(AuditEvent.at >= at)
        first = s.scalar(
            select(AuditEvent.id).where(AuditEvent.at >= at).order_by(AuditEvent.at).limit(1)
        )
        q = q.where(AuditEvent.id >= first) if first is not None else q.where(false())
    if f.end:
        at = start_of(f.end + timedelta(days=1))
        q = q.where(AuditEvent.at < at)
        last = s.scalar(
            select(AuditEvent.id).where(AuditEvent.at < at).order_by(AuditEvent.at.desc()).limit(1)
        )
        q = q.where(AuditEvent.id <= last) if last is not None else q.where(false())
    if f.before:
        q = q.where(AuditEvent.id < f.before)
    rows = list(s.scalars(q.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _number_matches(column, typed: str):
    """A whole number, or a part of one of at least 3 characters ("भू-अभि/12", "000123")."""
    if len(typed) < 3:
        return column == typed
    return column.icontains(typed, autoescape=True)


def _id_of(subquery):
    return subquery.scalar_subquery()


def known_actions(s=None) -> list[str]:
    """The actions the trail holds (a short distinct scan of the index would do for 10M; the
    list is small and fixed by the code, so it is read from the latest events)."""
    s = s or db.session
    return sorted(
        set(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(5000)))
    )


def details(e: AuditEvent) -> str:
    """The event's data as written (the CSV's technical column; the page reads it in words)."""
    return json.dumps(e.data or {}, ensure_ascii=False, sort_keys=True)[:500]


def failed_logins(f: Filters, office_ids: list[int] | None, *, limit: int = 50, s=None):
    """The latest failed logins and lockouts (throttled attempts): of the people of these
    offices, or — the district admin — any login ID typed, known or not."""
    from eoffice.auth.models import LoginAttempt

    s = s or db.session
    q = select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    if office_ids is not None:
        q = q.where(
            LoginAttempt.login_id.in_(select(User.login_id).where(User.office_id.in_(office_ids)))
        )
    if f.user:
        q = q.where(LoginAttempt.login_id == f.user)
    if f.start:
        q = q.where(LoginAttempt.at >= start_of(f.start))
    if f.end:
        q = q.where(LoginAttempt.at < start_of(f.end + timedelta(days=1)))
    return list(s.scalars(q.order_by(LoginAttempt.id.desc()).limit(limit)))
