"""The DM's and the nodal officer's dashboard: the offices in the viewer's scope side by side —
pending, overdue, files disposed of this month, median days an item stays at a desk this
month — and the scope's trend (periodic.trend). Four grouped queries, whatever the number of
offices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from eoffice.clock import today
from eoffice.extensions import db
from eoffice.movement.services import HELD_SQL
from eoffice.org.models import Office
from eoffice.reports import periodic
from eoffice.reports.services import scope_posts


@dataclass
class OfficeLine:
    office: Office
    pending: int = 0
    overdue: int = 0
    disposed: int = 0
    median_days: float | None = None


def offices_side_by_side(month: date) -> list[OfficeLine]:
    posts = scope_posts()
    post_ids = [p.id for p in posts] or [0]
    office_of = {p.id: p.office for p in posts}
    lines: dict[int, OfficeLine] = {}
    for p in posts:
        lines.setdefault(p.office_id, OfficeLine(p.office))
    bounds = periodic._bounds(month, periodic.next_month(month))
    for post_id, pending, overdue in db.session.execute(
        text(
            f"SELECT holder_post_id, count(*), count(*) FILTER (WHERE due_on < :today) "
            f"FROM ({HELD_SQL}) held GROUP BY 1"
        ),
        {"posts": post_ids, "today": today()},
    ):
        line = lines[office_of[post_id].id]
        line.pending += pending
        line.overdue += overdue
    for office_id, n in db.session.execute(
        text(
            "SELECT f.office_id, count(DISTINCT f.id) FROM file_status_change c"
            " JOIN efile f ON f.id = c.file_id WHERE c.to_status = 'closed'"
            " AND f.office_id = ANY(:offices) AND c.at >= :t0 AND c.at < :t1 GROUP BY 1"
        ),
        {"offices": list(lines) or [0], **bounds},
    ):
        lines[office_id].disposed = n
    for office_id, median in db.session.execute(
        text(
            "SELECT p.office_id, percentile_cont(0.5) WITHIN GROUP"
            " (ORDER BY extract(epoch FROM m.acted_at - m.sent_at) / 86400)"
            " FROM movement m JOIN post p ON p.id = m.to_post_id"
            " WHERE m.to_post_id = ANY(:posts) AND m.acted_at >= :t0 AND m.acted_at < :t1"
            " GROUP BY 1"
        ),
        {"posts": post_ids, **bounds},
    ):
        lines[office_id].median_days = float(median)
    return sorted(lines.values(), key=lambda line: line.office.id)
