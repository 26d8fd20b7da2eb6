"""/reports/registers/<kind>: the dak and dispatch registers for a period, as a page, a CSV
and a Hindi PDF (routes on the reports blueprint)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.dispatch.views import MODE_NAMES as DISPATCH_MODES
from eoffice.org.current import current_actor
from eoffice.policy.routes import login_required
from eoffice.receipts.forms import MODES as RECEIPT_MODES
from eoffice.reports import registers
from eoffice.reports.views import bp
from eoffice.web.csvout import csv_response
from eoffice.web.pdfout import printed

KINDS = ("dak", "dispatch")
TITLES = {"dak": _l("Dak register"), "dispatch": _l("Dispatch register")}
PERIOD_ERRORS = {
    "date": _l("Enter real dates as dd-mm-yyyy. Showing last month."),
    "order": _l("The first date is after the last. Showing last month."),
    "long": _l("Choose at most a year. Showing last month."),
}


def _mode_name(kind: str):
    names = dict(RECEIPT_MODES) if kind == "dak" else DISPATCH_MODES
    return lambda mode: str(names.get(mode, mode))


def _rows(kind: str, p: registers.Period, limit: int):
    rows = (registers.dak if kind == "dak" else registers.dispatches)(current_actor(), p, limit + 1)
    return rows[:limit], len(rows) > limit


def _period():
    return registers.period(request.args.get("from"), request.args.get("to"))


@bp.get("/registers/<any(dak, dispatch):kind>")
@login_required
def register(kind: str):
    p = _period()
    rows, truncated = _rows(kind, p, registers.MAX_ROWS)
    return render_template(
        "reports/register.html",
        kind=kind, title=str(TITLES[kind]), p=p, rows=rows, truncated=truncated,
        mode_name=_mode_name(kind), period_errors=PERIOD_ERRORS,
    )  # fmt: skip


@bp.get("/registers/<any(dak, dispatch):kind>.csv")
@login_required
def register_csv(kind: str):
    p = _period()
    if p.error:
        abort(400)
    rows, _more = _rows(kind, p, registers.MAX_ROWS)
    name = f"{kind}-register-{p.start.isoformat()}-{p.end.isoformat()}.csv"
    mode = _mode_name(kind)
    if kind == "dak":
        header = [_("Diary number"), _("Received"), _("From"), _("Letter no. and date"),
                  _("Subject"), _("How it came"), _("With")]  # fmt: skip
        body = (
            [r.diary_number, r.received_on.strftime("%d-%m-%Y")]
            + (
                [r.sender_name, " ".join(filter(None, [r.letter_number, r.letter_date and
                 r.letter_date.strftime("%d-%m-%Y")])), r.subject]
                if r.grading == "normal" else ["", "", _("Confidential")]
            )
            + [mode(r.mode), r.holder_post.designation]
            for r in rows
        )  # fmt: skip
    else:
        header = [_("Dispatch number"), _("Date"), _("Subject"), _("To"), _("How sent"),
                  _("File number")]  # fmt: skip
        body = (  # a line per recipient: the addressee and each copy by its own mode
            [d.number, _local_day(d.issued_at), d.subject,
             x.name + (f" ({_('copy')})" if x.is_copy else ""), mode(x.mode), d.file.number]
            for d in rows for x in d.recipients
        )  # fmt: skip
    return csv_response(header, body, name)


@bp.get("/registers/<any(dak, dispatch):kind>.pdf")
@login_required
def register_pdf(kind: str):
    from eoffice.signing.pdf import _pdf

    p = _period()
    back = url_for("reports.register", kind=kind, **{"from": request.args.get("from", ""),
                                                      "to": request.args.get("to", "")})  # fmt: skip
    if p.error:
        abort(400)
    limit = current_app.config["REGISTER_PDF_ROWS"]
    rows, more = _rows(kind, p, limit)
    if more:
        flash(_("More than %(n)d entries: print a shorter period (for example, half a month).",
                n=limit), "error")  # fmt: skip
        return redirect(back)
    name = f"{kind}-register-{p.start.isoformat()}-{p.end.isoformat()}.pdf"
    return printed(
        lambda: _pdf(
            render_template(
                "pdf/register.html",
                kind=kind,
                title=str(TITLES[kind]),
                p=p,
                rows=rows,
                mode_name=_mode_name(kind),
                now=datetime.now(UTC),
            )  # fmt: skip
        ),
        name,
        back,
    )


def _local_day(moment) -> str:
    from eoffice.platform.clock import local_date

    return local_date(moment).strftime("%d-%m-%Y")
