"""Pendency rolled up for the district's view. Counting a district's held items live took 4 to
20 seconds at 1M files (bench/reports.py, docs/performance.md): too long to hold a worker. The
job worker recounts them every ten minutes into `held_rollup` (per post, category, age band and
overdue), in one transaction (readers see the last complete count); the district-scope reports
read it and say as of when. Office and smaller scopes keep counting live.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.movement.services import AGE_BANDS
from eoffice.platform.clock import today, zone
from eoffice.platform.extensions import db

#: older than this, the rollup is not used (the worker may be stopped): counted live instead
STALE = timedelta(minutes=30)


class HeldRollup(db.Model):
    __tablename__ = "held_rollup"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)
    category_id: Mapped[int] = mapped_column(Integer)  # 0: none
    band: Mapped[str] = mapped_column(String(8))
    overdue: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer)
    oldest_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RollupState(db.Model):
    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())


def _band_case() -> str:
    parts = [
        f"WHEN days <= {hi} THEN '{key}'" if hi is not None else f"ELSE '{key}'"
        for _lo, hi, key in AGE_BANDS
    ]
    return "CASE " + " ".join(parts) + " END"


_REFRESH = f"""
    INSERT INTO held_rollup (post_id, category_id, band, overdue, n, oldest_due)
    SELECT holder_post_id, category_id, band, overdue, count(*),
           CAST(min(due_on) AS timestamptz)
    FROM (
        SELECT holder_post_id, coalesce(category_id, 0) AS category_id,
               {_band_case()} AS band, coalesce(due_on < :today, false) AS overdue, due_on
        FROM (
            SELECT f.holder_post_id, f.category_id, m.due_on,
                   (CAST(:today AS date) - CAST(timezone(:zone, f.held_since) AS date)) AS days
            FROM efile f
            LEFT JOIN movement m ON m.id = f.last_movement_id AND m.to_post_id = f.holder_post_id
            WHERE f.status <> 'closed'
            UNION ALL
            SELECT r.holder_post_id, r.category_id, coalesce(m.due_on, r.due_on),
                   (CAST(:today AS date) - CAST(timezone(:zone, r.held_since) AS date))
            FROM receipt r
            LEFT JOIN movement m ON m.id = r.last_movement_id AND m.to_post_id = r.holder_post_id
            WHERE NOT EXISTS (SELECT 1 FROM correspondence c WHERE c.receipt_id = r.id)
        ) held
    ) banded
    GROUP BY 1, 2, 3, 4
"""


def refresh() -> int:
    """Recount (flush only; the job commits). Returns the rows written."""
    db.session.execute(text("DELETE FROM held_rollup"))
    result = db.session.execute(text(_REFRESH), {"today": today(), "zone": str(zone())})
    db.session.execute(
        text(
            "INSERT INTO rollup_state (name, computed_at) VALUES ('held', now()) "
            "ON CONFLICT (name) DO UPDATE SET computed_at = now()"
        )
    )
    return result.rowcount


def computed_at() -> datetime | None:
    """When the held rollup was last counted, if recently enough to be used."""
    at = db.session.scalar(select(RollupState.computed_at).where(RollupState.name == "held"))
    if at is None or datetime.now(UTC) - at > STALE:
        return None
    return at


def per_post(post_ids: list[int]) -> dict[int, dict]:
    """{post id: {"bands": {key: n}, "total": n, "overdue": n}} from the rollup."""
    out: dict[int, dict] = {}
    rows = db.session.execute(
        text(
            "SELECT post_id, band, sum(n) AS n, sum(n) FILTER (WHERE overdue) AS late "
            "FROM held_rollup WHERE post_id = ANY(:posts) GROUP BY 1, 2"
        ),
        {"posts": post_ids or [0]},
    )
    for post_id, band, n, late in rows:
        line = out.setdefault(
            post_id, {"bands": {k: 0 for _a, _b, k in AGE_BANDS}, "total": 0, "overdue": 0}
        )
        line["bands"][band] += int(n)
        line["total"] += int(n)
        line["overdue"] += int(late or 0)
    return out


def _band_sums() -> str:
    """One summed column per age band of the rollup `h`, named by the band's key (keys from
    AGE_BANDS, never from a request)."""
    return ", ".join(
        f"coalesce(sum(h.n) FILTER (WHERE h.band = '{key}'), 0) AS \"{key}\""
        for _lo, _hi, key in AGE_BANDS
    )


def most_delayed(post_ids: list[int], limit: int, offset: int) -> tuple[list[dict], int]:
    """One page of the officer-wise pendency, ranked in SQL (the desks with the oldest
    pendency first; ties in the scope's order), and how many desks hold anything: a district's
    5,000 posts are neither lines nor sorted in Python."""
    keys = [key for _lo, _hi, key in AGE_BANDS]
    bands = _band_sums()
    order = ", ".join(f'"{k}" DESC' for k in reversed(keys))
    rows = (
        db.session.execute(
            text(
                f"SELECT h.post_id, sum(h.n) AS total, {bands}, count(*) OVER () AS lines "
                "FROM held_rollup h JOIN unnest(CAST(:posts AS int[])) WITH ORDINALITY AS o(id, n) "
                "ON o.id = h.post_id GROUP BY h.post_id, o.n "
                f"ORDER BY {order}, o.n LIMIT :limit OFFSET :offset"
            ),
            {"posts": post_ids or [0], "limit": limit, "offset": offset},
        )
        .mappings()
        .all()
    )
    if not rows and offset:  # past the last page: the count all the same
        count = db.session.scalar(
            text("SELECT count(DISTINCT post_id) FROM held_rollup WHERE post_id = ANY(:posts)"),
            {"posts": post_ids or [0]},
        )
        return [], count or 0
    return [dict(r) for r in rows], (rows[0]["lines"] if rows else 0)


def per_group(post_ids: list[int], by: str) -> list[dict]:
    """The rollup summed per office (`by` "office") or per office and section, in SQL, in the
    live count's order: rows of office_id, section_id, total and one count per age band (a
    district's 5,000 posts are never lines in Python)."""
    cols = "p.office_id" if by == "office" else "p.office_id, p.section_id"
    bands = _band_sums()
    section = "NULL" if by == "office" else "p.section_id"
    return [
        dict(r)
        for r in db.session.execute(
            text(
                f"SELECT p.office_id, {section} AS section_id, sum(h.n) AS total, {bands} "
                "FROM held_rollup h JOIN post p ON p.id = h.post_id "
                f"WHERE h.post_id = ANY(:posts) GROUP BY {cols} ORDER BY {cols}"
            ),
            {"posts": post_ids or [0]},
        ).mappings()
    ]


def overdue_by_category(post_ids: list[int]) -> list[tuple[int, int, int, object]]:
    """(category id or 0, post id, overdue items, oldest due) from the rollup, the most
    overdue items first."""
    return list(
        db.session.execute(
            text(
                "SELECT category_id, post_id, sum(n), min(oldest_due) FROM held_rollup "
                "WHERE post_id = ANY(:posts) AND overdue GROUP BY 1, 2 ORDER BY 3 DESC, 2, 1"
            ),
            {"posts": post_ids or [0]},
        ).all()
    )
