"""Draft letters in a file: new (from a template or blank), edit (each save a version), diff,
approve. Thin: the rules are in eoffice.files.letters."""

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eoffice.dispatch import services as dispatches
from eoffice.files import letters
from eoffice.files.lookup import draft_in, visible_file
from eoffice.files.services import is_writable
from eoffice.org.current import current_actor
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line, clean_note
from eoffice.policy.routes import login_required
from eoffice.web.hostile import db_int, to_int
from eoffice.web.htmx import redirect_to

bp = Blueprint("letters", __name__, url_prefix="/files/<int:file_id>/letters")

REFUSED = {
    "not_holder": _l(
        "This file is not with you now, so you cannot change its drafts. Your text is kept below."
    ),
    "closed": _l("This file is closed. Your text is kept below."),
    "empty": _l("Write the text of the letter."),
    "too_long": _l(
        "The letter is too long (at most 50,000 characters of text and 1,000 of subject)."
    ),
    "conflict": _l(
        "Someone saved a newer version while you were editing. Nothing was overwritten: your "
        "text is kept below, with what changed. Save again to make yours the next version."
    ),
    "approved": _l("This draft is already approved, so it can no longer be changed."),
    "not_authorised": _l("Your post is not an approving authority for letters."),
}


def _typed() -> dict[str, str]:
    return {
        "addressee": clean_note(request.form.get("addressee"))[:6000],
        "subject": clean_line(request.form.get("subject"))[:2000],
        "body": clean_note(request.form.get("body")),
        "copy_to": clean_note(request.form.get("copy_to"))[:6000],
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(file_id: int):
    f = visible_file(file_id)
    if request.method == "GET":
        chosen = request.args.get("template", type=db_int)
        template = next((t for t in letters.templates(f.office_id) if t.id == chosen), None)
        typed = {
            "addressee": template.addressee if template else "",
            "subject": (template.subject or f.subject) if template else f.subject,
            "body": template.body if template else "",
            "copy_to": "",
        }
        return _new_page(f, typed, template_id=chosen, key=str(uuid.uuid4()))
    typed = _typed()
    try:
        key = uuid.UUID(request.form.get("key", ""))
    except ValueError:
        key = uuid.uuid4()
    existing = letters.lock_key(key)
    if existing is not None:  # the same form again: a double click or a resubmit
        db.session.rollback()
        flash(_("This draft was already saved as D%(n)d.", n=existing.serial), "info")
        return redirect_to(url_for("letters.show", file_id=f.id, serial=existing.serial))
    try:
        draft = letters.create(current_actor(), f, key=key, **typed)
    except Refused as refused:
        db.session.rollback()
        return _new_page(f, typed, key=str(key), error=str(REFUSED[refused.code]), status=400)
    db.session.commit()
    flash(_("Draft letter D%(n)d saved (version 1).", n=draft.serial), "success")
    return redirect_to(url_for("letters.show", file_id=f.id, serial=draft.serial))


def _new_page(f, typed, *, key, template_id=None, error=None, status=200):
    return render_template(
        "files/letter_new.html",
        file=f,
        typed=typed,
        key=key,
        templates=letters.templates(f.office_id),
        template_id=template_id,
        holding=is_writable(current_actor(), f),
        error=error,
    ), status


@bp.get("/<int:serial>")
@login_required
def show(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    return _show_page(f, draft)


def _show_page(f, draft, *, typed=None, error=None, conflict_diff=None, status=200):
    number = request.args.get("v", type=db_int)
    shown = (number and letters.version(draft, number)) or draft.latest
    latest = draft.latest
    return render_template(
        "files/letter.html",
        file=f,
        draft=draft,
        shown=shown,
        editable=is_writable(current_actor(), f) and draft.status == "draft",
        issued=dispatches.issued([draft.id]).get(draft.id),
        may_approve=letters.may_approve(current_actor(), draft),
        typed=typed
        or {
            "addressee": latest.addressee,
            "subject": latest.subject,
            "body": latest.body,
            "copy_to": latest.copy_to,
        },
        error=error,
        conflict_diff=conflict_diff,
    ), status


@bp.post("/<int:serial>")
@login_required
def save(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    typed = _typed()
    base = request.form.get("base", "")
    try:
        saved = letters.save(current_actor(), draft, base=to_int(base), **typed)
    except Refused as refused:
        db.session.rollback()
        draft = draft_in(f, serial)
        diff = None
        if refused.code == "conflict":
            diff = letters.diff(draft.latest.body, typed["body"])
        return _show_page(
            f, draft, typed=typed, error=str(REFUSED[refused.code]), conflict_diff=diff, status=409
        )
    db.session.commit()
    if saved is None:
        flash(_("Nothing changed since the last version."), "info")
    else:
        flash(_("Saved as version %(n)d.", n=saved.number), "success")
    return redirect_to(url_for("letters.show", file_id=f.id, serial=serial))


@bp.get("/<int:serial>/diff")
@login_required
def diff(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    b = request.args.get("b", draft.current_version, type=db_int)
    a = request.args.get("a", max(b - 1, 1), type=db_int)
    old, new = letters.version(draft, a), letters.version(draft, b)
    if old is None or new is None:
        abort(404)
    return render_template(
        "files/letter_diff.html",
        file=f,
        draft=draft,
        old=old,
        new=new,
        parts=[
            (_("To"), letters.diff(old.addressee, new.addressee)),
            (_("Subject"), letters.diff(old.subject, new.subject)),
            (_("Text"), letters.diff(old.body, new.body)),
            (_("Copy to"), letters.diff(old.copy_to, new.copy_to)),
        ],
    )


@bp.post("/<int:serial>/approve")
@login_required
def approve(file_id: int, serial: int):
    f = visible_file(file_id)
    draft = draft_in(f, serial)
    version = request.form.get("version", "")
    try:
        letters.approve(current_actor(), draft, version=to_int(version))
    except Refused as refused:
        db.session.rollback()
        if refused.code == "approved":
            flash(str(REFUSED["approved"]), "info")
        elif refused.code == "conflict":
            flash(
                _("A newer version was saved while you were reading. Read it, then approve."),
                "error",
            )
        else:
            flash(str(REFUSED[refused.code]), "error")
        return redirect(url_for("letters.show", file_id=f.id, serial=serial))
    from eoffice.signing.services import ensure_pdf

    ensure_pdf(draft)  # the letter as approved, with its verification code: ready to sign
    db.session.commit()
    flash(_("D%(n)d approved (version %(v)d).", n=serial, v=draft.approved_version), "success")
    return redirect_to(url_for("letters.show", file_id=f.id, serial=serial))
