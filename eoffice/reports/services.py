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

from sqlalchemy import select, text

from eoffice.movement.services import AGE_BANDS as BANDS
from eoffice.movement.services import HELD_SQL, age_span
from eoffice.org.models import Office, Post, Section
from eoffice.org.scope import load_posts, scope_name
from eoffice.platform.clock import today, zone
from eoffice.platform.extensions import db
from eoffice.policy import Actor

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


def with_posts(lines: list[Line]) -> list[Line]:
    """Attach each line's post (office, section, current holders): one query for them all."""
    posts = load_posts([line.post_id for line in lines], holders=True)
    for line in lines:
        line.post = posts[line.post_id]
    return lines


def most_delayed_page(
    actor: Actor, post_ids: list[int], page: int, size: int
) -> tuple[list[Line], int]:
    """One page of the officer-wise report (the most delayed desks first), posts attached, and
    how many desks hold anything. The district reads the worker's count, ranked in SQL."""
    if rollup_at(actor) is not None:
        from eoffice.reports import rollup

        rows, count = rollup.most_delayed(post_ids, size, (page - 1) * size)
        lines = [Line(r["post_id"], {k: r[k] for _, _, k in BANDS}, r["total"]) for r in rows]
        return with_posts(lines), count
    lines = pendency(actor, post_ids)
    return with_posts(most_delayed_first(lines)[(page - 1) * size : page * size]), len(lines)


def most_delayed_first(lines: list[Line]) -> list[Line]:
    """Officer-wise order for accountability: the desks with the oldest pendency first."""
    keys = [k for _, _, k in reversed(BANDS)]
    return sorted(lines, key=lambda line: tuple(-line.bands[k] for k in keys))


# --- my work -------------------------------------------------------------------------------


@dataclass
class MyWork:
    total: int = 0
    new_today: int = 0
    unread: int = 0
    due_today: int = 0
    overdue: int = 0
    bands: dict[str, int] = field(default_factory=dict)


def my_work(actor: Actor) -> MyWork:
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
            _params(actor.post_ids),
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
    post_id: int
    bands: dict[str, int]
    total: int
    #: set by with_posts for the lines shown
    post: Post | None = None


@dataclass
class Group:
    name: str
    bands: dict[str, int]
    total: int


def rollup_at(actor: Actor, *, overview: bool = False):
    """When the pendency was last counted by the job worker, if the page should read that
    count: a district-scope viewer always, and the overview pages (overdue report, dashboard)
    at any scope. None: count live (a desk's or an office's pendency report and "my work" are
    live, so that a file just sent shows at once; or the count is missing or stale)."""
    from eoffice.reports import rollup

    if "rollup_fresh" not in actor.memo:
        actor.memo["rollup_fresh"] = rollup.computed_at()
    return actor.memo["rollup_fresh"] if (overview or scope_name(actor) == "district") else None


def pendency(actor: Actor, post_ids: list[int]) -> list[Line]:
    """Per post: held items by age band (posts holding nothing are left out), in the scope's
    order."""
    order = {pid: n for n, pid in enumerate(post_ids)}
    if rollup_at(actor) is not None:
        from eoffice.reports import rollup

        counted = rollup.per_post(post_ids)
        lines = [Line(pid, c["bands"], c["total"]) for pid, c in counted.items()]
        return sorted(lines, key=lambda line: order[line.post_id])
    rows = db.session.execute(
        text(
            f"SELECT holder_post_id, count(*) AS total, {_band_sql()} "
            f"FROM ({_HELD}) held GROUP BY holder_post_id"
        ),
        _params(post_ids),
    ).mappings()
    lines = [Line(r["holder_post_id"], {k: r[k] for _, _, k in BANDS}, r["total"]) for r in rows]
    return sorted(lines, key=lambda line: order[line.post_id])


def grouped(actor: Actor, post_ids: list[int], by: str) -> list[Group]:
    """Pendency per office, or per section (and office), summed in SQL."""
    cols = "p.office_id" if by == "office" else "p.office_id, p.section_id"
    if rollup_at(actor) is not None:  # the district: summed in SQL from the worker's count
        from eoffice.reports import rollup

        rows = rollup.per_group(post_ids, by)
    else:
        rows = (
            db.session.execute(
                text(
                    f"SELECT {cols}, count(*) AS total, {_band_sql()} FROM ({_HELD}) held "
                    f"JOIN post p ON p.id = held.holder_post_id GROUP BY {cols} ORDER BY {cols}"
                ),
                _params(post_ids),
            )
            .mappings()
            .all()
        )
    offices = {o.id: o for o in db.session.scalars(
        select(Office).where(Office.id.in_({r["office_id"] for r in rows} or {0})))}  # fmt: skip
    section_ids = {r["section_id"] for r in rows if r.get("section_id")} if by != "office" else ()
    sections = {s.id: s for s in db.session.scalars(
        select(Section).where(Section.id.in_(section_ids)))} if section_ids else {}  # fmt: skip
    district = scope_name(actor) == "district"
    groups = []
    for r in rows:
        office = offices[r["office_id"]]
        if by == "office":
            name = office.name
        else:
            section = sections.get(r["section_id"]) if r["section_id"] else None
            name = (section.name if section else "—") + (f" ({office.name})" if district else "")
        groups.append(Group(name, {k: r[k] for _, _, k in BANDS}, r["total"]))
    return groups


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
