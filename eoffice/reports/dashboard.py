"""The DM's and the nodal officer's dashboard: the offices in the viewer's scope side by side —
pending, overdue, files disposed of this month, median days an item stays at a desk this
month — and the scope's trend (periodic.trend). Four grouped queries, whatever the number of
offices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text

from eoffice.movement.services import HELD_SQL
from eoffice.org.models import Office, Post
from eoffice.org.scope import scope_post_ids
from eoffice.platform.clock import today
from eoffice.platform.extensions import db
from eoffice.platform.sql import among
from eoffice.policy import Actor
from eoffice.reports import periodic
from eoffice.reports.services import rollup_at


@dataclass
class OfficeLine:
    office: Office
    pending: int = 0
    overdue: int = 0
    disposed: int = 0
    median_days: float | None = None


def offices_side_by_side(actor: Actor, month: date) -> list[OfficeLine]:
    post_ids = scope_post_ids(actor) or [0]
    office_ids = list(
        db.session.scalars(select(Post.office_id).where(among(Post.id, post_ids)).distinct())
    )
    lines = {
        o.id: OfficeLine(o)
        for o in db.session.scalars(select(Office).where(Office.id.in_(office_ids or [0])))
    }
    bounds = periodic._bounds(month, periodic.next_month(month))
    if rollup_at(actor, overview=True) is not None:  # the job worker's count
        held = db.session.execute(
            text(
                "SELECT p.office_id, sum(r.n), coalesce(sum(r.n) FILTER (WHERE r.overdue), 0) "
                "FROM held_rollup r JOIN post p ON p.id = r.post_id "
                "WHERE r.post_id = ANY(:posts) GROUP BY 1"
            ),
            {"posts": post_ids},
        )
    else:
        held = db.session.execute(
            text(
                f"SELECT p.office_id, count(*), count(*) FILTER (WHERE due_on < :today) "
                f"FROM ({HELD_SQL}) held JOIN post p ON p.id = held.holder_post_id GROUP BY 1"
            ),
            {"posts": post_ids, "today": today()},
        )
    for office_id, pending, overdue in held:
        lines[office_id].pending = pending
        lines[office_id].overdue = overdue
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
