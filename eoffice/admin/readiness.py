"""Roll-out readiness (तैयारी): per office and for the district, how many of the staff have
a login with a post, have logged in, registered a signing certificate, been trained and been
active in the last 7 days, and how many files are electronic — as "49 में से 31"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from eoffice.admin.models import TrainingAttendance
from eoffice.auth.models import LoginAttempt
from eoffice.files.models import File
from eoffice.org.models import Office, PostHolding, User
from eoffice.platform.extensions import db
from eoffice.signing.models import SigningCredential

#: (key, label): the columns, each "of the staff" but the last, "of the files"
COLUMNS = [
    ("with_post", _l("Login with a post")),
    ("logged_in", _l("First login done")),
    ("certificate", _l("Signing certificate registered")),
    ("trained", _l("Trained")),
    ("active", _l("Active in the last 7 days")),
    ("electronic", _l("Files opened electronically")),
]


@dataclass
class Row:
    office: Office | None  # None: the district's total
    staff: int = 0
    files: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def of(self, key: str) -> int:
        return self.files if key == "electronic" else self.staff

    def share(self, key: str) -> float:
        whole = self.of(key)
        return self.counts.get(key, 0) / whole if whole else 0.0


def readiness(offices: list[Office]) -> list[Row]:
    """One row per office, then the total; each a handful of grouped counts (no per-user work)."""
    ids = [o.id for o in offices]
    week = datetime.now(UTC) - timedelta(days=7)
    enabled = and_(User.office_id.in_(ids), User.is_enabled.is_(True))
    has_post = exists().where(PostHolding.user_id == User.id, PostHolding.until.is_(None))
    has_cert = exists().where(
        SigningCredential.user_id == User.id, SigningCredential.removed_at.is_(None)
    )
    trained = exists().where(TrainingAttendance.user_id == User.id)
    active = exists().where(
        LoginAttempt.login_id == User.login_id, LoginAttempt.succeeded, LoginAttempt.at > week,
        LoginAttempt.outcome == "ok",
    )  # fmt: skip
    logged_in = or_(User.password_changed_at.is_not(None), User.must_change_password.is_(False))
    q = (
        select(
            User.office_id,
            func.count(User.id),
            func.count(User.id).filter(has_post),
            func.count(User.id).filter(logged_in),
            func.count(User.id).filter(has_cert),
            func.count(User.id).filter(trained),
            func.count(User.id).filter(active),
        )
        .where(enabled)
        .group_by(User.office_id)
    )
    per: dict[int, Row] = {o.id: Row(office=o) for o in offices}
    for office_id, staff, *counts in db.session.execute(q):
        row = per[office_id]
        row.staff = staff
        row.counts = dict(zip([k for k, _ in COLUMNS[:5]], counts, strict=True))
    files = (
        select(
            File.office_id,
            func.count(File.id),
            func.count(File.id).filter(File.kind == "electronic"),
        )
        .where(File.office_id.in_(ids))
        .group_by(File.office_id)
    )
    for office_id, total, electronic in db.session.execute(files):
        per[office_id].files = total
        per[office_id].counts["electronic"] = electronic
    rows = list(per.values())
    total = Row(office=None, staff=sum(r.staff for r in rows), files=sum(r.files for r in rows))
    total.counts = {k: sum(r.counts.get(k, 0) for r in rows) for k, _ in COLUMNS}
    return rows + [total]


#: (key, label): what a person may still lack, for the names list the DM's review is on
GAPS = [
    ("not_logged_in", _l("Not logged in yet")),
    ("not_trained", _l("Not trained")),
    ("no_certificate", _l("No signing certificate")),
]


@dataclass
class Person:
    office: Office
    user: User
    gaps: set[str]


def names(offices: list[Office], gap: str | None = None, limit: int = 5000) -> list[Person]:
    """The active staff who lack any of GAPS (or the one `gap`), by office and name, with
    their posts loaded: one statement for the people, one for their posts."""
    logged_in = or_(User.password_changed_at.is_not(None), User.must_change_password.is_(False))
    trained = exists().where(TrainingAttendance.user_id == User.id)
    has_cert = exists().where(
        SigningCredential.user_id == User.id, SigningCredential.removed_at.is_(None)
    )
    flags = {"not_logged_in": ~logged_in, "not_trained": ~trained, "no_certificate": ~has_cert}
    wanted = [flags[gap]] if gap in flags else list(flags.values())
    q = (
        select(User, *flags.values())
        .where(User.office_id.in_([o.id for o in offices]), User.is_enabled, or_(*wanted))
        .options(selectinload(User.holdings).joinedload(PostHolding.post))
        .order_by(User.office_id, User.name_hi, User.login_id)
        .limit(limit)
    )
    by_id = {o.id: o for o in offices}
    return [
        Person(by_id[u.office_id], u, {k for k, v in zip(flags, row, strict=True) if v})
        for u, *row in db.session.execute(q)
    ]


def sort_rows(rows: list[Row], key: str | None) -> list[Row]:
    """By a column's share, lowest first (who needs the nodal officer's visit); the total last."""
    body, total = rows[:-1], rows[-1]
    if key in dict(COLUMNS):
        body = sorted(body, key=lambda r: (r.share(key), r.office.name_hi))
    elif key == "staff":
        body = sorted(body, key=lambda r: -r.staff)
    return body + [total]
