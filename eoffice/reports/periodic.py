"""Reports over a period, in the viewer's scope (eoffice/reports/services.py):

- monthly: files opened, dak received, files closed (disposed) and letters issued, per office
  and section, for a month; and the last twelve months as a trend;
- time per desk: median and 90th percentile days that items stayed with each post, over the
  hops that ended in a period (from the movement history);
- overdue against time limits: held items past their due date, by category and desk.

Plain SQL with GROUP BY; each query is bounded by the scope's offices or posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, text

from eoffice.org.models import Office, Post, Section
from eoffice.org.scope import load_posts, scope_name, scope_post_ids
from eoffice.platform.clock import today, zone
from eoffice.platform.extensions import db
from eoffice.platform.sql import among
from eoffice.policy import Actor
from eoffice.reports.services import rollup_at

METRICS = ("opened", "received", "closed", "issued")


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_month(raw: str | None) -> date | None:
    """ "2026-11" or "11-2026" → 1 November 2026; None for anything else."""
    raw = (raw or "").strip()[:10]
    for fmt in ("%Y-%m", "%m-%Y"):
        try:
            return datetime.strptime(raw, fmt).date().replace(day=1)
        except ValueError:
            continue
    return None


def _bounds(start: date, end: date) -> dict:
    tz = zone()
    return {
        "d0": start,
        "d1": end,
        "t0": datetime.combine(start, time(), tzinfo=tz),
        "t1": datetime.combine(end, time(), tzinfo=tz),
    }


def scope_offices_sections(actor: Actor) -> tuple[list[int], list[int] | None]:
    """(office ids, section ids or None for all sections of those offices)."""
    rows = db.session.execute(
        select(Post.office_id, Post.section_id).where(among(Post.id, scope_post_ids(actor)))
    ).all()
    offices = sorted({o for o, _s in rows}) or [actor.office_id]
    if scope_name(actor) in ("district", "office"):
        return offices, None
    return offices, sorted({s for _o, s in rows if s}) or [0]


_COUNTS = """
    SELECT 'opened' AS metric, f.office_id, f.section_id, count(*) AS n
      FROM efile f
     WHERE f.office_id = ANY(:offices) AND f.created_at >= :t0 AND f.created_at < :t1 {fsec}
     GROUP BY 2, 3
    UNION ALL
    SELECT 'received', r.office_id, p.section_id, count(*)
      FROM receipt r JOIN post p ON p.id = r.created_post_id
     WHERE r.office_id = ANY(:offices) AND r.received_on >= :d0 AND r.received_on < :d1 {psec}
     GROUP BY 2, 3
    UNION ALL
    SELECT 'closed', f.office_id, f.section_id, count(DISTINCT f.id)
      FROM file_status_change c JOIN efile f ON f.id = c.file_id
     WHERE c.to_status = 'closed' AND f.office_id = ANY(:offices)
       AND c.at >= :t0 AND c.at < :t1 {fsec}
     GROUP BY 2, 3
    UNION ALL
    SELECT 'issued', d.office_id, f.section_id, count(*)
      FROM dispatch d JOIN efile f ON f.id = d.file_id
     WHERE d.office_id = ANY(:offices) AND d.issued_at >= :t0 AND d.issued_at < :t1 {fsec}
     GROUP BY 2, 3
"""


@dataclass
class MonthLine:
    office: Office
    section: Section | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))


def monthly(actor: Actor, month: date) -> list[MonthLine]:
    """Per office and section: the four counts for the month starting on `month`."""
    offices, sections = scope_offices_sections(actor)
    params = {"offices": offices, "sections": sections, **_bounds(month, next_month(month))}
    lines: dict[tuple, MonthLine] = {}
    for metric, office_id, section_id, n in db.session.execute(
        text(_sections_sql(_COUNTS, sections)), params
    ):
        key = (office_id, section_id)
        if key not in lines:
            lines[key] = MonthLine(
                db.session.get(Office, office_id),
                db.session.get(Section, section_id) if section_id else None,
            )
        lines[key].counts[metric] += n
    return sorted(
        lines.values(), key=lambda line: (line.office.id, line.section.id if line.section else 0)
    )


def totals(lines: list[MonthLine]) -> dict[str, int]:
    return {m: sum(line.counts[m] for line in lines) for m in METRICS}


_TREND = """
    SELECT 'opened' AS metric, CAST(date_trunc('month', timezone(:zone, f.created_at)) AS date)
           AS m, count(*) AS n
      FROM efile f
     WHERE f.office_id = ANY(:offices) AND f.created_at >= :t0 AND f.created_at < :t1 {fsec}
     GROUP BY 2
    UNION ALL
    SELECT 'received', CAST(date_trunc('month', r.received_on) AS date), count(*)
      FROM receipt r JOIN post p ON p.id = r.created_post_id
     WHERE r.office_id = ANY(:offices) AND r.received_on >= :d0 AND r.received_on < :d1 {psec}
     GROUP BY 2
    UNION ALL
    SELECT 'closed', CAST(date_trunc('month', timezone(:zone, c.at)) AS date),
           count(DISTINCT f.id)
      FROM file_status_change c JOIN efile f ON f.id = c.file_id
     WHERE c.to_status = 'closed' AND f.office_id = ANY(:offices)
       AND c.at >= :t0 AND c.at < :t1 {fsec}
     GROUP BY 2
    UNION ALL
    SELECT 'issued', CAST(date_trunc('month', timezone(:zone, d.issued_at)) AS date), count(*)
      FROM dispatch d JOIN efile f ON f.id = d.file_id
     WHERE d.office_id = ANY(:offices) AND d.issued_at >= :t0 AND d.issued_at < :t1 {fsec}
     GROUP BY 2
"""


def _sections_sql(template: str, sections: list[int] | None) -> str:
    if sections is None:
        return template.format(fsec="", psec="")
    return template.format(
        fsec="AND f.section_id = ANY(:sections)", psec="AND p.section_id = ANY(:sections)"
    )


def trend(actor: Actor, last: date, months: int = 12) -> list[tuple[date, dict[str, int]]]:
    """The scope's four counts for each of the `months` months ending with `last`: one query."""
    offices, sections = scope_offices_sections(actor)
    first = last
    for _ in range(months - 1):
        first = month_start(first - timedelta(days=1))
    params = {"offices": offices, "sections": sections, "zone": str(zone()),
              **_bounds(first, next_month(last))}  # fmt: skip
    out: dict[date, dict[str, int]] = {}
    d = first
    while d <= last:
        out[d] = dict.fromkeys(METRICS, 0)
        d = next_month(d)
    for metric, m, n in db.session.execute(text(_sections_sql(_TREND, sections)), params):
        if m in out:
            out[m][metric] += int(n)
    return list(out.items())


# --- time per desk ------------------------------------------------------------------------


@dataclass
class DeskTime:
    post: Post
    hops: int
    median: float
    p90: float


def time_per_desk(actor: Actor, start: date, end: date) -> list[DeskTime]:
    """Over the hops that ended (moved on) between `start` and `end` inclusive."""
    post_ids = scope_post_ids(actor)
    rows = db.session.execute(
        text(
            "SELECT to_post_id, count(*) AS hops,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,"
            " percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90"
            " FROM (SELECT to_post_id, extract(epoch FROM acted_at - sent_at) / 86400 AS days"
            "       FROM movement WHERE to_post_id = ANY(:posts)"
            "        AND acted_at >= :t0 AND acted_at < :t1) h"
            " GROUP BY to_post_id"
        ),
        {"posts": post_ids or [0], **_bounds(start, end + timedelta(days=1))},
    ).all()
    posts = load_posts([r.to_post_id for r in rows])
    out = [DeskTime(posts[r.to_post_id], r.hops, float(r.median), float(r.p90)) for r in rows]
    order = {pid: n for n, pid in enumerate(post_ids)}
    return sorted(out, key=lambda d: order[d.post.id])


# --- overdue by category and desk ---------------------------------------------------------


@dataclass
class OverdueLine:
    category: str
    post: Post
    count: int
    oldest_due: date


def overdue_by_category(actor: Actor, top: int | None = None) -> tuple[list[OverdueLine], int]:
    """(the lines, how many there are): with `top`, only the `top` lines with the most
    overdue items (ranked in SQL; only their posts are loaded: a district has thousands)."""
    post_ids = scope_post_ids(actor)
    if rollup_at(actor, overview=True) is not None:  # the job worker's count
        from eoffice.reports import rollup

        rows = [
            _Overdue(c or None, p, n, o.date() if hasattr(o, "date") else o)
            for c, p, n, o in rollup.overdue_by_category(post_ids)
        ]
        return _overdue_lines(rows[:top] if top else rows), len(rows)
    rows = db.session.execute(
        text(
            "SELECT category_id, holder_post_id, count(*) AS n, min(due_on) AS oldest FROM ("
            "  SELECT f.category_id, f.holder_post_id, m.due_on FROM efile f"
            "    JOIN movement m ON m.id = f.last_movement_id AND m.to_post_id = f.holder_post_id"
            "   WHERE f.holder_post_id = ANY(:posts) AND f.status <> 'closed' AND m.due_on < :today"
            "  UNION ALL"
            "  SELECT r.category_id, r.holder_post_id, coalesce(m.due_on, r.due_on) FROM receipt r"
            "    LEFT JOIN movement m ON m.id = r.last_movement_id"
            "         AND m.to_post_id = r.holder_post_id"
            "   WHERE r.holder_post_id = ANY(:posts)"
            "     AND coalesce(m.due_on, r.due_on) < :today"
            "     AND NOT EXISTS (SELECT 1 FROM correspondence c WHERE c.receipt_id = r.id)"
            ") x GROUP BY 1, 2 ORDER BY 3 DESC, 2, 1"
        ),
        {"posts": post_ids or [0], "today": today()},
    ).all()
    return _overdue_lines(rows[:top] if top else rows), len(rows)


@dataclass
class _Overdue:
    category_id: int | None
    holder_post_id: int
    n: int
    oldest: date


def _overdue_lines(rows) -> list[OverdueLine]:
    from eoffice.receipts.models import ReceiptCategory

    posts = load_posts([r.holder_post_id for r in rows])
    names = {
        c.id: c.name
        for c in db.session.scalars(
            select(ReceiptCategory).where(
                ReceiptCategory.id.in_([r.category_id for r in rows if r.category_id] or [0])
            )
        )
    }
    lines = [
        OverdueLine(names.get(r.category_id, ""), posts[r.holder_post_id], r.n, r.oldest)
        for r in rows
    ]
    return sorted(lines, key=lambda line: (line.category == "", line.category, -line.count))
