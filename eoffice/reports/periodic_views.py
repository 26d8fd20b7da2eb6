"""/reports/monthly, /reports/desk-time, /reports/overdue (each also .csv and .pdf) and
/reports/dashboard: routes on the reports blueprint."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.org import scope
from eoffice.org.current import current_actor
from eoffice.platform.clock import today
from eoffice.policy.roles import roles_that
from eoffice.policy.routes import login_required, roles
from eoffice.reports import dashboard as dash
from eoffice.reports import periodic, registers, tables
from eoffice.reports.register_views import PERIOD_ERRORS
from eoffice.reports.views import bp
from eoffice.web.csvout import csv_response
from eoffice.web.i18n import format_day
from eoffice.web.pdfout import printed

SCOPE_WORDS = {
    "district": _l("The whole district."),
    "office": _l("Your office."),
    "section": _l("Your section."),
    "desk": _l("Your own desks."),
}


#: lines of the overdue report on the page, the largest first (the CSV and PDF have them all)
OVERDUE_SHOWN = 100


def month_name(d: date) -> str:
    return format_day(d, "MMMM y")


def _scope() -> str:
    return str(SCOPE_WORDS[scope.scope_name(current_actor())])


def _months(n: int = 24) -> list[date]:
    out, d = [], periodic.month_start(today())
    for _i in range(n):
        out.append(d)
        d = periodic.month_start(d - timedelta(days=1))
    return out


def table_out(fmt: str, table: tables.Table, name: str, page: str, **context):
    """The table as a page (fmt ""), a CSV or a PDF."""
    if fmt == ".csv":
        return csv_response(table.header, table.csv_rows(), f"{name}.csv")
    if fmt == ".pdf":
        rows = sum(len(t.csv_rows()) for t in [table, *context.get("more", [])])
        if (
            rows > current_app.config["REGISTER_PDF_ROWS"]
        ):  # WeasyPrint: a few hundred rows a second
            flash(_("Too many lines for one PDF (%(n)d): download the CSV instead.", n=rows),
                  "error")  # fmt: skip
            return redirect(request.full_path.replace(".pdf", "", 1))
        from eoffice.signing.pdf import _pdf

        tables = [table, *context.get("more", [])]
        return printed(
            lambda: _pdf(render_template("pdf/report.html", tables=tables, now=datetime.now(UTC))),
            f"{name}.pdf",
            request.full_path.replace(".pdf", "", 1),
        )
    return render_template(page, table=table, **context)


@bp.get("/monthly", defaults={"fmt": ""})
@bp.get("/monthly<any('.csv', '.pdf'):fmt>")
@login_required
def monthly(fmt: str):
    raw = request.args.get("month")
    month = periodic.parse_month(raw) or periodic.month_start(today())
    bad = bool(raw) and periodic.parse_month(raw) is None
    if bad and fmt:
        abort(400)
    caption = f"{month_name(month)} — {_scope()}"
    table = tables.monthly_table(current_actor(), month, caption)
    trend = periodic.trend(current_actor(), month)
    more = [tables.trend_table(trend, month_name, _scope())]
    return table_out(fmt, table, f"monthly-{month:%Y-%m}", "reports/monthly.html",
                month=month, months=_months(), month_name=month_name, trend=trend,
                trend_labels=[month_name(m) for m, _c in trend],
                trend_disposed=[c["closed"] for _m, c in trend],
                bad_month=bad, more=more)  # fmt: skip


@bp.get("/desk-time", defaults={"fmt": ""})
@bp.get("/desk-time<any('.csv', '.pdf'):fmt>")
@login_required
def desk_time(fmt: str):
    p = registers.period(request.args.get("from"), request.args.get("to"))
    if p.error and fmt:
        abort(400)
    caption = _("%(start)s to %(end)s", start=format_day(p.start, "long"),
                end=format_day(p.end, "long")) + f" — {_scope()}"  # fmt: skip
    table = tables.desk_time_table(current_actor(), p.start, p.end, caption)
    return table_out(fmt, table, f"desk-time-{p.start}-{p.end}", "reports/desk_time.html", p=p,
                period_errors=PERIOD_ERRORS)  # fmt: skip


@bp.get("/overdue", defaults={"fmt": ""})
@bp.get("/overdue<any('.csv', '.pdf'):fmt>")
@login_required
def overdue(fmt: str):
    caption = _("as of %(date)s", date=format_day(today(), "long")) + f" — {_scope()}"
    top = None if fmt else OVERDUE_SHOWN  # a district has thousands of lines: the page shows
    table, count = tables.overdue_table(
        current_actor(), caption, lambda d: format_day(d, "short"), top
    )
    shown = None
    if top and count > top:  # the most overdue first, then the rest in the downloads
        shown = count
        table.rows = sorted(table.rows, key=lambda r: -r[3])
    return table_out(fmt, table, f"overdue-{today()}", "reports/overdue.html", all_lines=shown)


@bp.get("/dashboard", defaults={"fmt": ""})
@bp.get("/dashboard<any('.csv', '.pdf'):fmt>")
@roles(*roles_that("see_dashboard"))
def dashboard(fmt: str):
    month = periodic.month_start(today())
    offices = dash.offices_side_by_side(current_actor(), month)
    trend = periodic.trend(current_actor(), month)
    if fmt:  # the two tables on screen: the CSV has the first, the PDF both
        caption = _("as of %(date)s", date=format_day(today(), "long")) + f" — {_scope()}"
        side, months = tables.dashboard_tables(offices, trend, month_name, month, caption)
        return table_out(fmt, side, f"dashboard-{today()}", "", more=[months])
    return render_template(
        "reports/dashboard.html",
        offices=offices, trend=trend, month=month, month_name=month_name, scope=_scope(),
        office_names=[o.office.name for o in offices],
        trend_labels=[month_name(m) for m, _c in trend],
        trend_disposed=[c["closed"] for _m, c in trend],
    )  # fmt: skip
