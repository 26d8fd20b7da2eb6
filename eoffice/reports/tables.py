"""A report as one table — header, rows, an optional total row — so that its page, its CSV
(csvout: UTF-8 with BOM, formula cells made safe) and its Hindi PDF (WeasyPrint) are made
from the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from eoffice.policy import Actor
from eoffice.reports import periodic


@dataclass
class Table:
    title: str
    #: what the numbers cover, in words ("नवंबर 2026, पूरा जनपद")
    caption: str
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)
    total: list[object] | None = None

    def csv_rows(self) -> list[list[object]]:
        return self.rows + ([self.total] if self.total else [])


def _days(x: float) -> str:
    return f"{x:.1f}"


def monthly_table(actor: Actor, month: date, caption: str) -> Table:
    lines = periodic.monthly(actor, month)
    sums = periodic.totals(lines)
    header = [_("Office"), _("Section"), _("Files opened"), _("Dak received"),
              _("Files disposed of"), _("Letters issued")]  # fmt: skip
    rows = [
        [line.office.name, line.section.name if line.section else "—",
         *(line.counts[m] for m in periodic.METRICS)]
        for line in lines
    ]  # fmt: skip
    return Table(_("Monthly report"), caption, header, rows,
                 [_("Total"), "", *(sums[m] for m in periodic.METRICS)])  # fmt: skip


def trend_table(rows: list[tuple[date, dict[str, int]]], month_name, caption: str) -> Table:
    header = [_("Month"), _("Files opened"), _("Dak received"), _("Files disposed of"),
              _("Letters issued")]  # fmt: skip
    return Table(
        _("The last twelve months"),
        caption,
        header,
        [[month_name(m), *(c[k] for k in periodic.METRICS)] for m, c in rows],
    )


def desk_time_table(actor: Actor, start: date, end: date, caption: str) -> Table:
    header = [_("Post"), _("Office"), _("Items moved on"), _("Median days"),
              _("90th percentile days")]  # fmt: skip
    rows = [
        [d.post.designation, d.post.office.name, d.hops, _days(d.median), _days(d.p90)]
        for d in periodic.time_per_desk(actor, start, end)
    ]
    return Table(_("Time per desk"), caption, header, rows)


def overdue_table(
    actor: Actor, caption: str, date_format, top: int | None = None
) -> tuple[Table, int]:
    """(the table, how many lines there are in all): `top` keeps the lines with the most
    overdue items (the page; the downloads have every line)."""
    header = [_("Category"), _("Post"), _("Office"), _("Overdue items"), _("Due since")]
    lines, count = periodic.overdue_by_category(actor, top)
    no_category = _("No category")
    rows = [
        [line.category or no_category, line.post.designation, line.post.office.name,
         line.count, date_format(line.oldest_due)]
        for line in lines
    ]  # fmt: skip
    return Table(_("Overdue against time limits"), caption, header, rows), count


def pendency_table(actor: Actor, by: str, caption: str, age_labels: dict) -> Table:
    """The pendency report as on screen: officer-wise (every desk, the most delayed first),
    section-wise or office-wise."""
    from eoffice.org import scope
    from eoffice.reports import services

    post_ids = scope.scope_post_ids(actor)
    bands = [str(label) for label in age_labels.values()]
    if by == "post":
        lines = services.with_posts(services.most_delayed_first(services.pendency(actor, post_ids)))
        header = [_("Office"), _("Section"), _("Post"), _("Held by"), *bands, _("Total")]
        rows = [
            [line.post.office.name, line.post.section.name if line.post.section else "",
             line.post.designation, ", ".join(u.name for u in line.post.current_holders)
             or _("vacant"), *(line.bands[k] for k in age_labels), line.total]
            for line in lines
        ]  # fmt: skip
        sums = [sum(r[4 + i] for r in rows) for i in range(len(bands) + 1)]
        total = [_("Total"), "", "", "", *sums]
        title = _("Pendency by age: officer-wise")
    else:
        groups = services.grouped(actor, post_ids, by)
        header = [_("Section") if by == "section" else _("Office"), *bands, _("Total")]
        rows = [[g.name, *(g.bands[k] for k in age_labels), g.total] for g in groups]
        total = [_("Total"), *(sum(r[1 + i] for r in rows) for i in range(len(bands) + 1))]
        title = _("Pendency by age: section-wise") if by == "section" else _(
            "Pendency by age: office-wise")  # fmt: skip
    return Table(title, caption, header, rows, total if rows else None)


def dashboard_tables(offices, trend, month_name, month: date, caption: str) -> list[Table]:
    """The dashboard's two tables, as on screen."""
    disposed = _("Disposed of in %(month)s", month=month_name(month))
    side = Table(
        _("Offices side by side"),
        caption,
        [_("Office"), _("Pending"), _("Overdue"), disposed, _("Median days at a desk")],
        [[o.office.name, o.pending, o.overdue, o.disposed,
          _days(o.median_days) if o.median_days is not None else "—"] for o in offices],
    )  # fmt: skip
    months = Table(
        _("The last twelve months"),
        caption,
        [_("Month"), _("Dak received"), _("Files disposed of"), _("Letters issued")],
        [[month_name(m), c["received"], c["closed"], c["issued"]] for m, c in trend],
    )
    return [side, months]
