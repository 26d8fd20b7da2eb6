"""Signing pages: my certificates; signing an approved letter (PIN, token/eSign, signed PDF);
the letter's PDF and the file's notesheet PDF."""

import base64
import binascii
import io
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from eoffice.files import notes
from eoffice.files.lookup import draft_in, visible_file
from eoffice.files.services import is_writable
from eoffice.org.current import current_actor
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy.routes import login_required
from eoffice.signing import pdf as pdfs
from eoffice.signing import services, targets
from eoffice.signing.models import SigningCredential, SigningSession
from eoffice.web.hostile import db_int
from eoffice.web.htmx import redirect_to

bp = Blueprint("signing", __name__)

REFUSED = {
    "weak_pin": _l("The PIN must be 6 to 12 digits."),
    "bad_p12": _l(
        "This is not a PKCS#12 (.p12/.pfx) file, or its password is wrong. Nothing was saved."
    ),
    "no_key": _l("This PKCS#12 file has a certificate but no private key, so it cannot sign."),
    "bad_cert": _l("This is not a certificate file (PEM or DER)."),
    "expired": _l("The certificate has expired (or is not yet valid)."),
    "revoked": _l("The certificate has been revoked by its authority."),
    "untrusted": _l(
        "The certificate is not issued by an authority this office trusts (the trust store)."
    ),
    "wrong_pin": _l("Wrong PIN. After 5 wrong tries signing is locked for 15 minutes."),
    "damaged_credential": _l(
        "Your stored certificate could not be opened: it is damaged, not your PIN. The "
        "administrator has been told in the log; add the certificate file again."
    ),
    "ltv_unavailable": _l(
        "The time-stamping service (or the certifying authority's revocation service) could "
        "not be reached, so nothing was signed. Please try again in a few minutes."
    ),
    "cannot_check": _l(
        "Signatures cannot be checked just now (the office's trust store could not be read). "
        "Nothing was signed; please try again later."
    ),
    "locked": _l("Too many wrong PINs. Try again in 15 minutes."),
    "no_credential": _l("Choose one of your certificates."),
    "not_holder": _l("This file is not with you now, so you cannot sign its letters."),
    "closed": _l("This file is closed."),
    "not_approved": _l("Only an approved draft can be signed."),
    "not_final": _l("Only a final note can be signed."),
    "already_signed": _l("You have already signed this letter."),
    "issued": _l("This letter has already been issued; it can no longer be signed."),
    "bad_cms": _l("The signature could not be read. Paste the whole output of the signer."),
    "wrong_digest": _l(
        "This signature is for a different document (its digest does not match). Nothing was "
        "changed."
    ),
    "wrong_cert": _l("This signature was made with a different certificate from the one chosen."),
    "session_used": _l("This signing request has already been used."),
    "session_expired": _l("This signing request has expired (15 minutes). Prepare it again."),
    "session_stale": _l("Someone signed the letter in the meantime. Prepare it again."),
    "not_this_letter": _l(
        "This PDF is not this letter's PDF with a signature added. Download the letter's PDF, "
        "sign it, and upload the signed file."
    ),
    "invalid_signature": _l("The signature is not valid. Nothing was changed."),
    "not_signer": _l(
        "Only the officer who approved this letter (or who now holds that post) signs it first; "
        "after that, only officers who may approve countersign. A note is signed by its author."
    ),
    "cert_not_registered": _l(
        "This PDF is signed with a certificate that is not registered to you. Register your own "
        "certificate under \u201cMy digital signature\u201d and sign with it. Nothing was saved."
    ),
    "cert_of_another": _l(
        "This certificate is already registered to another person. A certificate belongs to one "
        "person only. Nothing was saved."
    ),
    "altered_in_signing": _l(
        "The signed PDF changes the letter itself (its text, drawings or form values), not only "
        "adding a signature. It is refused; nothing was saved."
    ),
    "not_yours": _l("This is not yours."),
}


def _refuse(refused: Refused):
    db.session.rollback()
    flash(str(REFUSED.get(refused.code, REFUSED["invalid_signature"])), "error")


# --- my certificates -------------------------------------------------------------------


@bp.get("/me/signing")
@login_required
def credentials():
    return render_template("signing/credentials.html", creds=services.credentials(current_actor()))


@bp.post("/me/signing/soft")
@login_required
def add_soft():
    upload = request.files.get("p12")
    pin, pin2 = request.form.get("pin", ""), request.form.get("pin2", "")
    if upload is None or not upload.filename:
        flash(_("Choose the .p12 or .pfx file."), "error")
    elif pin != pin2:
        flash(_("The two PINs differ."), "error")
    else:
        try:
            services.add_soft(current_actor(), upload.read(), request.form.get("password", ""), pin)
        except Refused as refused:
            _refuse(refused)
        else:
            db.session.commit()
            flash(
                _("Certificate saved. It is locked with your PIN, which we do not keep."), "success"
            )
    return redirect_to(url_for("signing.credentials"))


@bp.post("/me/signing/token")
@login_required
def add_token():
    upload = request.files.get("cert")
    if upload is None or not upload.filename:
        flash(_("Choose the certificate file."), "error")
        return redirect_to(url_for("signing.credentials"))
    try:
        services.add_token(current_actor(), upload.read()[:65536])
    except Refused as refused:
        _refuse(refused)
    else:
        db.session.commit()
        flash(_("Token certificate registered."), "success")
    return redirect_to(url_for("signing.credentials"))


@bp.post("/me/signing/<int:cred_id>/remove")
@login_required
def remove(cred_id: int):
    cred = db.session.get(SigningCredential, cred_id)
    if cred is None or cred.user_id != current_user.id:
        abort(404)
    services.remove(current_actor(), cred)
    db.session.commit()
    flash(_("Certificate removed."), "success")
    return redirect_to(url_for("signing.credentials"))


# --- signing a letter ------------------------------------------------------------------

#: a draft letter (D1: n is its serial) or a final note (n is its paragraph)
TARGET = "/files/<int:file_id>/<any(letters, notes):kind>/<int:n>"


def _target(file_id: int, kind: str, n: int):
    f = visible_file(file_id)
    target = targets.for_letter(draft_in(f, n)) if kind == "letters" else targets.for_note(f, n)
    if target is None:
        abort(404)
    return f, target


def _back(target) -> str:
    if target.kind == "letters":
        return url_for("letters.show", file_id=target.file.id, serial=target.n)
    return url_for("files.show", file_id=target.file.id) + f"#p{target.n}"


def _here(target, endpoint: str = "signing.sign", **kw) -> str:
    return url_for(endpoint, file_id=target.file.id, kind=target.kind, n=target.n, **kw)


@bp.get(TARGET + "/sign")
@login_required
def sign(file_id: int, kind: str, n: int):
    f, target = _target(file_id, kind, n)
    if kind == "letters" and target.obj.status != "approved":
        flash(str(REFUSED["not_approved"]), "error")
        return redirect(_back(target))
    return render_template(
        "signing/sign.html",
        file=f,
        target=target,
        back=_back(target),
        sigs=services.signatures(target),
        holding=is_writable(current_actor(), f),
        soft=services.credentials(current_actor(), "soft"),
        tokens=services.credentials(current_actor(), "token"),
    )


def _my_cred(kind: str):
    cred = db.session.get(SigningCredential, request.form.get("credential", type=db_int) or 0)
    if cred is None or cred.user_id != current_user.id or cred.kind != kind or cred.removed_at:
        raise Refused("no_credential")
    return cred


@bp.post(TARGET + "/sign/soft")
@login_required
def sign_soft(file_id: int, kind: str, n: int):
    f, target = _target(file_id, kind, n)
    back = _here(target)
    try:
        sig = services.sign_soft(
            current_actor(), target, _my_cred("soft"), request.form.get("pin", "")
        )
    except Refused as refused:
        if refused.code == "wrong_pin":  # keep the count of wrong tries (nothing else changed)
            db.session.commit()
            flash(str(REFUSED["wrong_pin"]), "error")
        else:
            _refuse(refused)
        return redirect_to(back)
    db.session.commit()
    flash(_("Signed. Signature %(n)d is valid.", n=sig.seq), "success")
    return redirect_to(back)


@bp.post(TARGET + "/sign/prepare")
@login_required
def prepare(file_id: int, kind: str, n: int):
    f, target = _target(file_id, kind, n)
    try:
        session = services.prepare(current_actor(), target, _my_cred("token"))
    except Refused as refused:
        _refuse(refused)
        return redirect_to(_here(target))
    db.session.commit()
    return redirect_to(_here(target, "signing.session", session_id=session.id))


def _session(session_id: uuid.UUID) -> SigningSession:
    s = db.session.get(SigningSession, session_id)
    if s is None or s.user_id != current_user.id:
        abort(404)
    return s


@bp.get(TARGET + "/sign/<uuid:session_id>")
@login_required
def session(file_id: int, kind: str, n: int, session_id: uuid.UUID):
    f, target = _target(file_id, kind, n)
    s = _session(session_id)
    return render_template(
        "signing/session.html",
        file=f,
        target=target,
        s=s,
        digest_hex=s.digest.hex(),
        digest_b64=base64.b64encode(s.digest).decode(),
    )


def _cms_input() -> bytes:
    upload = request.files.get("cms_file")
    if upload is not None and upload.filename:
        data = upload.read(1_000_000)
        if not data.startswith(b"0"):  # not DER: maybe base64 text in a file
            data = data.strip()
        else:
            return data
    else:
        data = (request.form.get("cms") or "").strip().encode()[:1_000_000]
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise Refused("bad_cms") from e


@bp.post(TARGET + "/sign/<uuid:session_id>")
@login_required
def finish(file_id: int, kind: str, n: int, session_id: uuid.UUID):
    f, target = _target(file_id, kind, n)
    s = _session(session_id)
    try:
        sig = services.finish(current_actor(), s, _cms_input())
    except Refused as refused:
        _refuse(refused)
        return redirect_to(request.path)
    db.session.commit()
    flash(_("Signed. Signature %(n)d is valid.", n=sig.seq), "success")
    return redirect_to(_here(target))


@bp.post(TARGET + "/sign/upload")
@login_required
def upload(file_id: int, kind: str, n: int):
    f, target = _target(file_id, kind, n)
    back = _here(target)
    up = request.files.get("pdf")
    if up is None or not up.filename:
        flash(_("Choose the signed PDF."), "error")
        return redirect_to(back)
    try:
        sig = services.upload_signed(current_actor(), target, up.read())
    except Refused as refused:
        _refuse(refused)
        return redirect_to(back)
    db.session.commit()
    flash(_("Signed. Signature %(n)d is valid.", n=sig.seq), "success")
    return redirect_to(back)


@bp.get(TARGET + "/signed.pdf")
@login_required
def signed_pdf(file_id: int, kind: str, n: int):
    """The letter's or note's PDF as it stands: after the latest signature."""
    f, target = _target(file_id, kind, n)
    if target.pdf_sha256 is None:
        abort(404)
    # the same URL gets new bytes after each signature: not cached
    return storage.send_pdf(
        target.pdf_sha256, f"D{n}.pdf" if kind == "letters" else f"note-{n}.pdf"
    )


@bp.get("/files/<int:file_id>/notesheet.pdf")
@login_required
def notesheet(file_id: int):
    f = visible_file(file_id)
    from eoffice.files import letters

    drafts = [(d, services.signatures(d)) for d in letters.drafts(f)]
    finals = notes.final_notes(f)
    signed = {n.id: services.signatures(targets.NoteTarget(n, f)) for n in finals}
    data = pdfs.notesheet_pdf(f, finals, drafts, signed)
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="notesheet.pdf")
