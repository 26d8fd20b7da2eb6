"""Issue (प्रेषण) a signed letter; the dispatch register; the public verification page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, ngettext

from eoffice.dispatch import jobs as _jobs  # noqa: F401  (registers its job handlers)
from eoffice.dispatch import services
from eoffice.dispatch import targets as _targets  # noqa: F401  (registers the letter target)
from eoffice.dispatch.models import Dispatch
from eoffice.documents.messages import REJECTED
from eoffice.documents.services import stored_files_follow_the_commit
from eoffice.files.lookup import draft_in, visible_file
from eoffice.files.models import LetterDraft
from eoffice.org.current import current_actor
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import heavy_slot
from eoffice.platform.text import clean_line, clean_note
from eoffice.policy.grants import openable_ids
from eoffice.policy.routes import login_required, public
from eoffice.signing import services as signing
from eoffice.web.changes import attempt
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import redirect_to

bp = Blueprint("dispatch", __name__)

MODE_NAMES = {
    "email": _l("Email"),
    "post": lazy_pgettext("mode", "By post"),
    "hand": _l("By hand"),
    "eoffice": _l("In e-Office (to an office or post of this district)"),
}
REFUSED = {
    "not_holder": _l(
        "Only the holder of this file, or of the post that issued the letter, can issue it or "
        "send it to more recipients."
    ),
    "closed": _l("This file is closed."),
    "already_issued": _l("This letter has already been issued."),
    "not_approved": _l("Only an approved draft can be issued."),
    "bad_mode": _l("Recipient %(row)s: choose how the letter goes."),
    "office_needed": _l(
        "Recipient %(row)s: for e-Office choose an office or a post of this district."
    ),
    "post_vacant": _l(
        "Recipient %(row)s: nobody holds the post %(post)s just now. Send it to the office "
        "(its dak desk) instead."
    ),
    "no_dak_desk": _l(
        "Recipient %(row)s: %(office)s has not named its dak desk yet, so choose the post the "
        "letter is addressed to, or ask that office's administrator to name one."
    ),
    "not_signed": _l("The letter must be signed before it is issued."),
    "ltv_unavailable": _l(
        "The time-stamping service could not be reached, so the letter was not issued. "
        "Please try again in a few minutes."
    ),
    "cannot_check": _l(
        "Signatures cannot be checked just now (the office's trust store could not be read). "
        "Nothing was issued; please try again later."
    ),
    "not_valid": _l("The letter's signatures do not validate, so it cannot be issued."),
    "no_recipient": _l("Add at least one recipient."),
    "recipient_name": _l("Recipient %(row)s needs a name."),
    "bad_email": _l("Recipient %(row)s: the email address is not valid."),
    "email_needed": _l("Recipient %(row)s: for email, give an email address."),
    "address_needed": _l("Recipient %(row)s: for dispatch by post, give an address."),
    "no_email": _l("Email cannot be sent from this server, so choose post, by hand or e-Office."),
    "already_sent": _l("Recipient %(row)s: the letter has already gone to %(name)s."),
    "not_failed": _l("That recipient has not failed, so there is nothing to retry."),
    "busy": _l(
        "The server is busy checking other documents just now. Nothing was issued; please try "
        "again in a minute."
    ),
    "undeliverable": _l(
        "The signed letter could not be prepared for the receiving office. Nothing was issued; "
        "the administrator has been told in the log."
    ),
}
#: recipient rows a form may carry: the addressee and the copies typed on the letter, plus
#: blank rows for more (a page without JavaScript cannot add rows)
SPARE_ROWS = 2
MAX_ROWS = 40


def say(refused: Refused) -> str:
    return refused.say(REFUSED[refused.code])


def _recipients(first_is_copy: bool) -> list[services.RecipientInput]:
    n = min(request.form.get("rows", 0, type=db_int) or 0, MAX_ROWS)
    return [
        services.RecipientInput(
            name=clean_line(request.form.get(f"name{i}"))[:300],
            address=clean_note(request.form.get(f"address{i}"))[:2000],
            email=clean_line(request.form.get(f"email{i}"))[:1000],  # too long is refused
            mode=request.form.get(f"mode{i}", "")[:10],
            office_id=_chosen(f"office{i}"),
            post_id=_chosen(f"post{i}"),
            is_copy=first_is_copy or i > 0,
        )
        for i in range(n)
    ]


def _chosen(name: str) -> int | None:
    """An id chosen in a select: None when none was, -1 when the value is no id at all (a
    crafted form), so that the row is refused rather than taken as empty."""
    value = request.form.get(name, "").strip()
    return (to_int(value) or -1) if value else None


def _blank(is_copy: bool = True) -> services.RecipientInput:
    return services.RecipientInput("", "", "", mode="post", is_copy=is_copy)


def _guess(addressee: str) -> services.RecipientInput:
    """The letter's addressee as the first recipient: first line (after सेवा में) and the rest."""
    lines = [ln.strip(" ,") for ln in addressee.splitlines() if ln.strip(" ,")]
    if lines and lines[0].startswith("सेवा में"):
        lines = lines[1:]
    return services.RecipientInput(
        name=lines[0] if lines else "", address="\n".join(lines[1:]), email=""
    )


def _choices(office_id: int) -> dict:
    """What the recipient rows offer: the modes that can work here, the district's offices
    and their posts for e-Office."""
    offices = services.eoffice_targets(office_id)
    return {
        "modes": [(m, MODE_NAMES[m]) for m in services.modes()],
        "offices": offices,
        "posts": services.eoffice_posts(offices),
    }


@bp.route("/files/<int:file_id>/letters/<int:serial>/dispatch", methods=["GET", "POST"])
@login_required
def issue(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    existing = services.of_draft(draft)
    if existing is not None:
        if request.method == "POST":  # a double click on a slow link: show what was issued
            flash(str(REFUSED["already_issued"]), "info")
            return redirect(url_for("dispatch.issue", file_id=file_id, serial=serial))
        return _issued(f, draft, existing)
    holding = current_actor().charge_for(f.holder_post_id) is not None
    if request.method == "GET":
        version = next((v for v in draft.versions if v.number == draft.approved_version), None)
        rows = [_guess(version.addressee) if version else _blank(False)]
        rows += [
            services.RecipientInput(c, "", "", mode="post", is_copy=True)
            for c in (version.copies if version else [])
        ]
        rows += [_blank() for _ in range(SPARE_ROWS)]
        return _form(f, draft, rows, holding)
    rows = _recipients(first_is_copy=False)
    with stored_files_follow_the_commit():  # a delivery stores files in the other office's dak
        try:
            d = services.issue(current_actor(), draft, rows)
        except Refused as refused:
            db.session.rollback()
            if refused.code == "already_issued":
                flash(str(REFUSED["already_issued"]), "info")
                return redirect(url_for("dispatch.issue", file_id=file_id, serial=serial))
            draft = draft_in(visible_file(file_id), serial)
            return _form(f, draft, rows, holding, say(refused), 400)
        db.session.commit()
    flash(_("Issued as %(number)s.", number=d.number), "success")
    return redirect_to(url_for("dispatch.issue", file_id=file_id, serial=serial))


def _form(f, draft, rows, holding, error=None, status=200):
    return render_template(
        "dispatch/issue.html",
        file=f,
        draft=draft,
        rows=rows,
        holding=holding,
        signed=bool(signing.signatures(draft)),
        error=error,
        **_choices(f.office_id),
    ), status


def _issued(f, draft, d, rows=None, error=None, status=200):
    may_add = services.adding_charge(current_actor(), d) is not None
    return render_template(
        "dispatch/issued.html",
        file=f,
        draft=draft,
        d=d,
        may_add=may_add,
        rows=rows or [_blank() for _ in range(SPARE_ROWS)],
        error=error,
        mode_names=MODE_NAMES,
        **(_choices(f.office_id) if may_add else {}),
    ), status


def _issued_letter(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    d = services.of_draft(draft)
    if d is None:
        abort(404)
    return f, draft, d


@bp.post("/files/<int:file_id>/letters/<int:serial>/dispatch/recipients")
@login_required
def add_recipients(file_id: int, serial: int):
    """A copy forgotten at issue: the same letter, the same number, to more recipients."""
    f, draft, d = _issued_letter(file_id, serial)
    rows = _recipients(first_is_copy=True)
    with stored_files_follow_the_commit():
        added, error = attempt(lambda: services.add_recipients(current_actor(), d, rows), say)
    if error is not None:
        f, draft, d = _issued_letter(file_id, serial)
        return _issued(f, draft, d, rows, error, 400)
    flash(
        ngettext("Sent to %(num)d more recipient.", "Sent to %(num)d more recipients.", len(added)),
        "success",
    )
    return redirect_to(url_for("dispatch.issue", file_id=file_id, serial=serial))


@bp.post("/files/<int:file_id>/letters/<int:serial>/dispatch/recipients/<int:rid>/retry")
@login_required
def retry(file_id: int, serial: int, rid: int):
    f, draft, d = _issued_letter(file_id, serial)
    _done, error = attempt(lambda: services.retry(current_actor(), d, rid), say)
    if error is not None:
        flash(error, "error")
    else:
        flash(_("The email will be sent again in a minute."), "success")
    return redirect_to(url_for("dispatch.issue", file_id=file_id, serial=serial))


@bp.get("/dispatch")
@login_required
def register():
    from flask_login import current_user

    page = request.args.get("page", 1, type=db_int)
    rows, total = services.register(current_user.office_id, page=page)
    reserved = services.reserved(current_user.office_id) if page == 1 else []
    # the register lists every letter the office issued; a line links to the letter only for
    # those who may open it (the page behind the link would answer 404)
    me = current_actor()
    return render_template(
        "dispatch/register.html",
        rows=rows,
        reserved=reserved,
        opens=openable_ids(me, Dispatch, [d.id for d in rows]),
        opens_reserved=openable_ids(me, LetterDraft, [r.id for r in reserved]),
        total=total,
        page=page,
        page_size=25,
        mode_names=MODE_NAMES,
    )


# --- public verification (no login) ----------------------------------------------------


def _lookup(code: str):
    """(allowed, the issued letter or None). The lookup counts against the client's address
    whatever it finds, and the count is committed."""
    allowed = services.allow_lookup((request.remote_addr or "?")[:64])
    d = services.by_code(code[:40]) if allowed else None
    db.session.commit()
    return allowed, d


@bp.get("/verify")
@public
def verify_start():
    code = (request.args.get("code") or "").strip()[:40]
    if code:
        return redirect(url_for("dispatch.verify", code=code))
    return render_template("verify/index.html")


@bp.route("/verify/<code>", methods=["GET", "POST"])
@public
def verify(code: str):
    allowed, d = _lookup(code)
    if not allowed:
        return render_template("verify/index.html", limited=True), 429
    if d is None:  # the same answer for a wrong, an unissued and an unknown code
        return render_template("verify/index.html", unknown=True, code=code[:40]), 404
    check = None
    if request.method == "POST":
        up = request.files.get("pdf")
        data = up.read(30 * 1024 * 1024) if up is not None and up.filename else b""
        if not data:
            flash(_("Choose the PDF to check."), "error")
        elif not heavy_slot(f"addr:{request.remote_addr}", current_app.config["HEAVY_SLOTS"]):
            flash(str(REJECTED["busy"]), "error")  # checking costs: a few at a time
        else:
            try:
                checks = signing.validate(data)
            except signing.CannotCheck:  # ours, not the letter's: no verdict
                sigs = signing.signatures(d.draft)
                return render_template(
                    "verify/show.html", d=d, sigs=sigs, check=None, cannot_check=True
                ), 503
            check = {
                "same": services.is_this_letter(data, d),
                "valid": signing.verdict(checks),
                "checks": checks or [],
            }
    sigs = signing.signatures(d.draft)
    return render_template("verify/show.html", d=d, sigs=sigs, check=check)


@bp.get("/verify/<code>/letter.pdf")
@public
def verify_pdf(code: str):
    allowed, d = _lookup(code)
    if d is None:
        abort(404 if allowed else 429)
    return storage.send_pdf(d.pdf_sha256, f"{d.number.replace('/', '-')}.pdf", attachment=True)
