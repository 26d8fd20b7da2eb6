"""Accountability: what waits with whom and for how long. "My work" for the home page, and
the pendency report by age (per post and officer, per section, per office) with a drill-down
to the items, in the viewer's scope:

- staff: their own desks;
- a section officer: the posts of their sections;
- officers and office admins: their office; the officers of the district headquarters
  (collectorate and Vikas Bhawan: the DM, CDO, ADMs) and the district admin: the district.

Counted in SQL over the inbox's own "held" items (open files, receipts not yet put in a
file), with days pending by India's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_login import current_user
from sqlalchemy import select, text

from eoffice.clock import today, zone
from eoffice.extensions import db
from eoffice.movement.services import AGE_BANDS as BANDS
from eoffice.movement.services import HELD_SQL, age_span
from eoffice.org.models import Office, OfficeKind, Post, Role
from eoffice.org.services import my_post_ids

HEADQUARTERS = (OfficeKind.COLLECTORATE, OfficeKind.DEVELOPMENT)

#: the inbox's held items (open files, unfiled receipts) with days pending by India's calendar
_HELD = f"""
    SELECT held.*, (CAST(:today AS date) - CAST(timezone(:zone, since) AS date)) AS days
    FROM ({HELD_SQL}) held
"""


def _band_sql() -> str:
    parts = []
    for lo, hi, key in BANDS:
        cond = f"days >= {lo}" + (f" AND days <= {hi}" if hi is not None else "")
        parts.append(f'count(*) FILTER (WHERE {cond}) AS "{key}"')
    return ", ".join(parts)


def _params(posts: list[int]) -> dict:
    return {"posts": posts or [0], "today": today(), "zone": str(zone())}


# --- scope ---------------------------------------------------------------------------------


def scope_name() -> str:
    """'desk', 'section', 'office' or 'district': how far the viewer sees."""
    role = current_user.role
    if role == Role.DISTRICT_ADMIN:
        return "district"
    if role == Role.OFFICER and current_user.office.kind in HEADQUARTERS:
        return "district"
    if role in (Role.OFFICER, Role.OFFICE_ADMIN):
        return "office"
    if role == Role.SECTION_OFFICER:
        return "section"
    return "desk"


def scope_posts() -> list[Post]:
    """The active posts whose pendency the viewer may see."""
    scope = scope_name()
    q = select(Post).join(Office, Office.id == Post.office_id).where(Post.is_active)
    if scope == "district":
        q = q.where(Office.district_id == current_user.office.district_id)
    elif scope == "office":
        q = q.where(Post.office_id == current_user.office_id)
    elif scope == "section":
        mine = my_post_ids() or [0]
        sections = select(Post.section_id).where(Post.id.in_(mine), Post.section_id.is_not(None))
        q = q.where(Post.section_id.in_(sections) | Post.id.in_(mine))
    else:
        q = q.where(Post.id.in_(my_post_ids() or [0]))
    return list(db.session.scalars(q.order_by(Post.office_id, Post.section_id, Post.rank, Post.id)))


# --- my work -------------------------------------------------------------------------------


@dataclass
class MyWork:
    total: int = 0
    new_today: int = 0
    unread: int = 0
    due_today: int = 0
    overdue: int = 0
    bands: dict[str, int] = field(default_factory=dict)


def my_work() -> MyWork:
    """What waits for the signed-in user across all their charges: one query."""
    row = (
        db.session.execute(
            text(
                f"SELECT count(*) AS total, count(*) FILTER (WHERE days = 0) AS new_today, "
                f"count(*) FILTER (WHERE unread) AS unread, "
                f"count(*) FILTER (WHERE due_on = :today) AS due_today, "
                f"count(*) FILTER (WHERE due_on < :today) AS overdue, {_band_sql()} "
                f"FROM ({_HELD}) held"
            ),
            _params(my_post_ids()),
        )
        .mappings()
        .one()
    )
    return MyWork(
        total=row["total"],
        new_today=row["new_today"],
        unread=row["unread"],
        due_today=row["due_today"],
        overdue=row["overdue"],
        bands={key: row[key] for _, _, key in BANDS},
    )


# --- pendency ------------------------------------------------------------------------------


@dataclass
class Line:
    post: Post
    bands: dict[str, int]
    total: int


@dataclass
class Group:
    name: str
    lines: list[Line]

    @property
    def bands(self) -> dict[str, int]:
        return {k: sum(line.bands[k] for line in self.lines) for _, _, k in BANDS}

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)


def pendency(posts: list[Post]) -> list[Line]:
    """Per post: held items by age band (posts holding nothing are left out)."""
    by_id = {p.id: p for p in posts}
    rows = db.session.execute(
        text(
            f"SELECT holder_post_id, count(*) AS total, {_band_sql()} "
            f"FROM ({_HELD}) held GROUP BY holder_post_id"
        ),
        _params(list(by_id)),
    ).mappings()
    lines = [
        Line(by_id[r["holder_post_id"]], {k: r[k] for _, _, k in BANDS}, r["total"]) for r in rows
    ]
    order = {p.id: n for n, p in enumerate(posts)}
    return sorted(lines, key=lambda line: order[line.post.id])


def grouped(lines: list[Line], by: str) -> list[Group]:
    """Lines gathered per section or per office, in the order they come."""
    groups: dict[object, Group] = {}
    for line in lines:
        p = line.post
        if by == "office":
            key, name = p.office_id, p.office.name
        else:
            key = (p.office_id, p.section_id)
            name = (p.section.name if p.section else "—") + (
                f" ({p.office.name})" if scope_name() == "district" else ""
            )
        groups.setdefault(key, Group(name, [])).lines.append(line)
    return list(groups.values())


def items(post: Post, band: str | None) -> list[dict]:
    """The items a post holds (in one age band, or all), oldest first."""
    where, params = "", _params([post.id])
    span = age_span(band) if band else None
    if span:
        where = " WHERE days >= :lo" + (" AND days <= :hi" if span[1] is not None else "")
        params.update(lo=span[0], hi=span[1])
    return list(
        db.session.execute(
            text(f"SELECT * FROM ({_HELD}) held{where} ORDER BY days DESC, kind, id LIMIT 500"),
            params,
        ).mappings()
    )


def as_of() -> date:
    return today()
