"""Signing: a soft certificate with a PIN, two-phase signing with the shipped CLI signer, a PDF
signed elsewhere; validation against the trust store; the tamper tests. Real keys, real
X.509 from a test CA, real PAdES signatures by pyHanko."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pypdf import PdfReader
from sqlalchemy import func, select

from eoffice.files.models import LetterDraft
from eoffice.platform import storage
from eoffice.signing import services
from eoffice.signing.models import Signature, SigningCredential
from eoffice.signing.pki import DemoCA, p12
from tests.test_letters import new_letter
from tests.test_movement import flash_text, login, post_id, send  # noqa: F401  (fixture)
from tests.test_notes import clerk, new_file  # noqa: F401  (fixture)

P12_PASSWORD = b"p12-pass"
PIN = "246810"


@pytest.fixture(scope="module")
def keys(pki):
    """Certificates for the officers, and some bad ones."""
    out = {}
    for who in ("adm", "dm", "cdo"):
        out[who] = pki.issue(f"{who} test signer")
    now = dt.datetime.now(dt.UTC)
    out["expired"] = pki.issue("expired signer", valid_from=now - dt.timedelta(days=400), days=30)
    out["revoked"] = pki.issue("revoked signer")
    pki.revoke(out["revoked"][1])
    pki.refresh()
    out["stranger"] = DemoCA.create().issue("signer of another CA")
    return out


def p12_of(keys, pki, who, password=P12_PASSWORD):
    key, cert = keys[who]
    return p12(key, cert, pki.cert, password)


def approved_letter(clerk, login, db, *, to="एडीएम (वि/रा)", **letter):  # noqa: F811
    """A letter approved by the ADM, the file with the ADM. Returns (file id, adm client).
    `letter`: fields of the letter form (copy_to …)."""
    f = new_file(clerk, db)
    letter.setdefault("body", "कृपया ग्राम बिरधा में स्थलीय जाँच कर आख्या तीन दिवस में दें।")
    new_letter(clerk, f.id, **letter)
    send(clerk, "file", f.id, post_id(db, to))
    adm = login("adm.fr")
    resp = adm.submit(
        f"/files/{f.id}/letters/1/approve", {"version": "1"}, form_page=f"/files/{f.id}/letters/1"
    )
    assert "D1 अनुमोदित" in flash_text(adm, resp)
    return f.id, adm


def add_soft(c, data, password=P12_PASSWORD, pin=PIN, pin2=None):
    token = c.csrf("/me/signing")
    return c.post(
        "/me/signing/soft",
        data={
            "csrf_token": token,
            "p12": (io.BytesIO(data), "my.p12"),
            "password": password.decode() if isinstance(password, bytes) else password,
            "pin": pin,
            "pin2": pin if pin2 is None else pin2,
        },
        content_type="multipart/form-data",
    )


def add_token(c, cert_bytes, name="token.cer"):
    token = c.csrf("/me/signing")
    return c.post(
        "/me/signing/token",
        data={"csrf_token": token, "cert": (io.BytesIO(cert_bytes), name)},
        content_type="multipart/form-data",
    )


def cred_id(db, user_login, kind):
    from eoffice.org.models import User

    return db.session.scalar(
        select(SigningCredential.id)
        .join(User, User.id == SigningCredential.user_id)
        .where(User.login_id == user_login, SigningCredential.kind == kind)
        .order_by(SigningCredential.id.desc())
    )


def sign_soft(c, file_id, cred, pin=PIN):
    url = f"/files/{file_id}/letters/1/sign"
    return c.submit(url + "/soft", {"credential": str(cred), "pin": pin}, form_page=url)


def the_pdf(app, db, file_id) -> bytes:
    db.session.expire_all()
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == file_id))
    with app.app_context():
        return Path(storage.store().where(draft.pdf_sha256)).read_bytes()


def cli_sign(digest_hex, p12_path, password=P12_PASSWORD):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "eoffice.signing.signer",
            "--digest",
            digest_hex,
            "--p12",
            str(p12_path),
            "--password",
            password.decode(),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_soft_then_two_phase_countersignature_with_the_cli(
    clerk, login, demo, keys, pki, tmp_path, app
):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    page = adm.page(f"/files/{file_id}/letters/1/sign")
    assert "अभी हस्ताक्षर नहीं" in page.get_text()
    # the letter's PDF exists from approval: Hindi text, the verification code
    pdf = the_pdf(app, db, file_id)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    code = db.session.scalar(
        select(LetterDraft.verification_code).where(LetterDraft.file_id == file_id)
    )
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) and code in text

    resp = add_soft(adm, p12_of(keys, pki, "adm"))
    assert "पिन से सुरक्षित" in flash_text(adm, resp)
    cred = db.session.get(SigningCredential, cred_id(db, "adm.fr", "soft"))
    assert PIN.encode() not in cred.sealed_key and b"p12-pass" not in cred.sealed_key
    resp = sign_soft(adm, file_id, cred.id)
    assert "हस्ताक्षर हुए। हस्ताक्षर 1 मान्य है" in flash_text(adm, resp)
    checks = _validate(app, the_pdf(app, db, file_id))
    assert len(checks) == 1 and services.verdict(checks)

    # the file goes to the DM, who countersigns with a token through two phases
    send(adm, "file", file_id, post_id(db, "डीएम"))
    dm = login("dm.lalitpur")
    key, cert = keys["dm"]
    assert "टोकन प्रमाणपत्र पंजीकृत" in flash_text(
        dm, add_token(dm, cert.public_bytes(serialization.Encoding.PEM))
    )
    url = f"/files/{file_id}/letters/1/sign"
    resp = dm.submit(
        url + "/prepare", {"credential": str(cred_id(db, "dm.lalitpur", "token"))}, form_page=url
    )
    assert resp.status_code == 302 and "/sign/" in resp.location
    session_url = resp.location
    page = dm.page(session_url)
    digest = page.find(id="digest").get_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    p12_path = tmp_path / "dm.p12"
    p12_path.write_bytes(p12_of(keys, pki, "dm"))
    # a CMS over some other digest is refused and changes nothing
    other = cli_sign("00" * 32, p12_path)
    form = page.find("form")
    data = {"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"], "cms": other}
    resp = dm.post(session_url, data=data)
    assert "अलग दस्तावेज़ के लिए है" in flash_text(dm, resp)
    assert db.session.scalar(select(Signature.id).where(Signature.seq == 2)) is None
    # garbage is refused clearly
    resp = dm.post(session_url, data={**data, "cms": "नमस्ते <script>"})
    assert "पढ़ा नहीं जा सका" in flash_text(dm, resp)
    # the right one is embedded
    resp = dm.post(session_url, data={**data, "cms": cli_sign(digest, p12_path)})
    assert "हस्ताक्षर 2 मान्य है" in flash_text(dm, resp)
    signed = the_pdf(app, db, file_id)
    checks = _validate(app, signed)
    assert [c.ok for c in checks] == [True, True] and services.verdict(checks)
    assert checks[0].signer.startswith("Common Name: adm") or "adm" in checks[0].signer
    sigs = db.session.scalars(select(Signature).order_by(Signature.seq)).all()
    assert [s.method for s in sigs] == ["soft", "two_phase"]
    # B-LT both: the TSA's time in each signature, the token's added at the second phase
    assert all(s.timestamped_at is not None for s in sigs)
    assert sigs[0].text_sha256 == sigs[1].text_sha256
    # used once
    resp = dm.post(session_url, data={**data, "cms": cli_sign(digest, p12_path)})
    assert "पहले ही उपयोग" in flash_text(dm, resp)
    # both stamps sit side by side where the signature goes, on the letter's one page, above
    # the signer's name (not in a foot reserved on every page, which pushed the signature
    # block and the copy list of a one-paragraph letter to a page of their own)
    reader = PdfReader(io.BytesIO(signed))
    assert len(reader.pages) == 1
    boxes = sorted(
        [float(x) for x in a.get_object()["/Rect"]]
        for a in reader.pages[0]["/Annots"]
        if a.get_object().get("/FT") == "/Sig"
    )
    assert len(boxes) == 2 and boxes[0][2] <= boxes[1][0]  # apart
    assert boxes[0][1] == boxes[1][1] > 200  # one row, above the foot (y counts from the bottom)


def test_credential_refusals(clerk, login, demo, keys, pki):
    db = demo
    adm = login("adm.fr")
    cases = [
        (p12_of(keys, pki, "expired"), "समाप्त"),
        (p12_of(keys, pki, "revoked"), "निरस्त"),
        (p12(*keys["stranger"], keys["stranger"][1], P12_PASSWORD), "विश्वसनीय"),
        (b"not a p12 at all", "PKCS#12"),
        (
            pkcs12.serialize_key_and_certificates(
                b"x",
                None,
                keys["adm"][1],
                None,
                serialization.BestAvailableEncryption(P12_PASSWORD),
            ),
            "निजी कुंजी नहीं",
        ),
    ]
    for data, message in cases:
        assert message in flash_text(adm, add_soft(adm, data)), message
    assert "6 से 12 अंकों" in flash_text(adm, add_soft(adm, p12_of(keys, pki, "adm"), pin="12"))
    assert "भिन्न" in flash_text(adm, add_soft(adm, p12_of(keys, pki, "adm"), pin2="999999"))
    assert "PKCS#12" in flash_text(adm, add_soft(adm, p12_of(keys, pki, "adm"), password="wrong"))
    assert "प्रमाणपत्र फ़ाइल नहीं" in flash_text(adm, add_token(adm, b"\x00\xff" * 100))
    assert db.session.scalar(select(SigningCredential.id)) is None


def test_wrong_pin_is_throttled_and_nothing_is_signed(clerk, login, demo, keys, pki):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    add_soft(adm, p12_of(keys, pki, "adm"))
    cred = cred_id(db, "adm.fr", "soft")
    for _ in range(4):
        assert "गलत पिन" in flash_text(adm, sign_soft(adm, file_id, cred, pin="111111"))
    assert "गलत पिन" in flash_text(adm, sign_soft(adm, file_id, cred, pin="111112"))
    # locked now: even the right PIN waits
    assert "15 मिनट" in flash_text(adm, sign_soft(adm, file_id, cred))
    assert db.session.scalar(select(Signature.id)) is None


def test_a_revoked_certificate_cannot_sign_even_if_stored_before(clerk, login, demo, keys, pki):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    victim = pki.issue("soon revoked")
    add_soft(adm, p12(*victim, pki.cert, P12_PASSWORD))
    pki.revoke(victim[1])
    pki.refresh()
    resp = sign_soft(adm, file_id, cred_id(db, "adm.fr", "soft"))
    assert "निरस्त" in flash_text(adm, resp)
    assert db.session.scalar(select(Signature.id)) is None


def test_upload_of_a_pdf_signed_elsewhere(clerk, login, demo, keys, pki, app):  # noqa: F811
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    original = the_pdf(app, db, file_id)
    url = f"/files/{file_id}/letters/1/sign"

    def upload(data):
        token = adm.csrf(url)
        return adm.post(
            url + "/upload",
            data={"csrf_token": token, "pdf": (io.BytesIO(data), "s.pdf")},
            content_type="multipart/form-data",
        )

    def signed_by(key_cert, base=original):
        signer = signers.SimpleSigner.load_pkcs12_data(p12(*key_cert, pki.cert, None), [])
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(base)),
            signers.PdfSignatureMetadata(field_name="Elsewhere"),
            signer=signer,
        )
        return out.getvalue()

    # another PDF, even validly signed, is not this letter
    from tests import samples

    assert "इस पत्र की पीडीएफ़ नहीं" in flash_text(adm, upload(signed_by(keys["adm"], samples.pdf(1))))
    assert "इस पत्र की पीडीएफ़ नहीं" in flash_text(adm, upload(original))  # nothing added
    assert "विश्वसनीय" in flash_text(adm, upload(signed_by(keys["stranger"])))
    # a valid signature, but with a certificate not registered to the ADM
    assert "पंजीकृत नहीं" in flash_text(adm, upload(signed_by(keys["adm"])))
    add_token(adm, keys["adm"][1].public_bytes(serialization.Encoding.PEM))
    resp = upload(signed_by(keys["adm"]))
    assert "हस्ताक्षर 1 मान्य है" in flash_text(adm, resp)
    sig = db.session.scalar(select(Signature))
    assert sig.method == "upload" and sig.credential_id == cred_id(db, "adm.fr", "token")
    assert sig.signer_subject == "adm test signer" and sig.cert_serial == format(
        keys["adm"][1].serial_number, "x"
    )


def _signed_elsewhere(pki, key_cert, base, *, alter=None, field="Elsewhere"):
    """`base` signed by `key_cert` in one incremental revision; `alter(writer)` may change the
    document inside that same revision first (as a forger would)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12_data(p12(*key_cert, pki.cert, None), [])
    w = IncrementalPdfFileWriter(io.BytesIO(base))
    if alter is not None:
        alter(w)
    return signers.sign_pdf(
        w, signers.PdfSignatureMetadata(field_name=field), signer=signer
    ).getvalue()


def _add_text(w):
    """What the forger did: 'SANCTIONED: Rs 5,00,000' drawn on page 1."""
    from pyhanko.pdf_utils import generic

    page = w.root["/Pages"]["/Kids"][0].get_object()
    stream = w.add_object(
        generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 760 Td (SANCTIONED: Rs 5,00,000) Tj ET")
    )
    old = page.raw_get("/Contents") if "/Contents" in page else None
    parts = list(old) if isinstance(old, generic.ArrayObject) else [old] if old else []
    page["/Contents"] = generic.ArrayObject([*parts, stream])
    w.update_container(page)


def _add_annotation(w):
    """A drawn annotation (a free-text box) on page 1, in the signing revision."""
    from pyhanko.pdf_utils import generic

    page = w.root["/Pages"]["/Kids"][0].get_object()
    annot = w.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (72, 700, 400, 730)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("Rs 5,00,000"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
    )
    page["/Annots"] = generic.ArrayObject([annot])
    w.update_container(page)


def test_a_signature_must_be_the_approvers_own_on_the_approved_text(
    clerk, login, demo, keys, pki, app
):
    """Hostile round 3, item 1: another person's certificate, an altered page inside the signing
    revision, a drawn annotation, a clerk uploading the DM's signature — all refused with
    nothing saved; an honest signature is kept and /verify names the certificate's holder."""
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    original = the_pdf(app, db, file_id)
    url = f"/files/{file_id}/letters/1/sign"

    def upload(c, data):
        return c.post(
            url + "/upload",
            data={"csrf_token": c.csrf(url), "pdf": (io.BytesIO(data), "s.pdf")},
            content_type="multipart/form-data",
        )

    # the DM registers his own token certificate; the ADM his
    dm = login("dm.lalitpur")
    add_token(dm, keys["dm"][1].public_bytes(serialization.Encoding.PEM))
    add_token(adm, keys["adm"][1].public_bytes(serialization.Encoding.PEM))
    # nobody registers another's certificate
    assert "दूसरे व्यक्ति" in flash_text(
        adm, add_token(adm, keys["dm"][1].public_bytes(serialization.Encoding.PEM))
    )
    # the ADM (the approver) uploads the letter signed with the DM's key: not his certificate
    assert "पंजीकृत नहीं" in flash_text(adm, upload(adm, _signed_elsewhere(pki, keys["dm"], original)))
    # his own certificate, but the amount added to page 1 inside the signing revision
    forged = _signed_elsewhere(pki, keys["adm"], original, alter=_add_text)
    with app.app_context():  # the signature itself is valid: only the comparison catches it
        assert services.verdict(services.validate(forged))
    assert "केवल हस्ताक्षर नहीं" in flash_text(adm, upload(adm, forged))
    drawn = _signed_elsewhere(pki, keys["adm"], original, alter=_add_annotation)
    assert "केवल हस्ताक्षर नहीं" in flash_text(adm, upload(adm, drawn))
    assert db.session.scalar(select(func.count(Signature.id))) == 0

    # the clerk holds the file again and uploads the approved letter signed with the DM's key
    send(adm, "file", file_id, post_id(db, "लिपिक-राज"))
    resp = upload(clerk, _signed_elsewhere(pki, keys["dm"], original))
    assert "अनुमोदित करने वाले अधिकारी" in flash_text(clerk, resp)
    assert db.session.scalar(select(func.count(Signature.id))) == 0

    # honest: the ADM signs with his own registered certificate, nothing else changed
    send(clerk, "file", file_id, post_id(db, "एडीएम (वि/रा)"))
    resp = upload(adm, _signed_elsewhere(pki, keys["adm"], original))
    assert "हस्ताक्षर 1 मान्य है" in flash_text(adm, resp)
    # a countersignature that alters the letter is refused as well
    signed = the_pdf(app, db, file_id)
    send(adm, "file", file_id, post_id(db, "डीएम"))
    forged2 = _signed_elsewhere(pki, keys["dm"], signed, alter=_add_text, field="Elsewhere2")
    # (the ADM's signature already sees the change after it: refused as not valid)
    assert "हस्ताक्षर मान्य नहीं" in flash_text(dm, upload(dm, forged2))
    assert db.session.scalar(select(func.count(Signature.id))) == 1
    resp = upload(dm, _signed_elsewhere(pki, keys["dm"], signed, field="Elsewhere2"))
    assert "हस्ताक्षर 2 मान्य है" in flash_text(dm, resp)
    sigs = db.session.scalars(select(Signature).order_by(Signature.seq)).all()
    assert [s.signer_subject for s in sigs] == ["adm test signer", "dm test signer"]
    # the sign page names the certificate's holder beside the user it is registered to
    text = dm.page(url).get_text(" ", strip=True)
    assert "adm test signer (प्रमाणपत्र के अनुसार), पंजीकृत: अंकुर श्रीवास्तव" in text


# --- tamper tests: an altered signed PDF must fail validation --------------------------


@pytest.fixture(scope="module")
def signed_pdf(keys, pki, app):
    """A letter-like PDF signed twice (soft-style), made once for the tamper tests."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from tests import samples

    data = samples.pdf(1)
    for i, who in enumerate(("adm", "dm"), start=1):
        signer = signers.SimpleSigner.load_pkcs12_data(p12(*keys[who], pki.cert, None), [])
        meta = signers.PdfSignatureMetadata(
            field_name=f"Sig{i}", subfilter=fields.SigSeedSubFilter.PADES
        )
        data = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer
        ).getvalue()
    return data


def _validate(app, data):
    with app.app_context():
        return services.validate(data)


def test_the_untouched_pdf_validates(app, signed_pdf):
    checks = _validate(app, signed_pdf)
    assert services.verdict(checks) and len(checks) == 2


def test_tamper_byte_flip(app, signed_pdf):
    data = bytearray(signed_pdf)
    i = data.index(b"/MediaBox")  # inside the signed byte ranges
    data[i + 1] ^= 0x20  # /MediaBox -> /mediaBox
    assert not services.verdict(_validate(app, bytes(data)))


def test_tamper_content_swap_by_incremental_update(app, signed_pdf):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    page = w.root["/Pages"]["/Kids"][0]
    page_ref = w.root["/Pages"]["/Kids"].raw_get(0)
    content = RawContent(b"BT /F1 24 Tf 72 700 Td (PAY 10,00,000 TO X) Tj ET")
    stream = generic.StreamObject(stream_data=content.data)
    page["/Contents"] = w.add_object(stream)
    w.update_container(page)
    w.mark_update(page_ref)
    out = io.BytesIO()
    w.write(out)
    checks = _validate(app, out.getvalue())
    assert checks is not None and not services.verdict(checks)
    assert not checks[-1].whole and not checks[-1].unchanged_after


def test_tamper_truncated(app, signed_pdf):
    assert not services.verdict(_validate(app, signed_pdf[: len(signed_pdf) // 2]))
    assert not services.verdict(_validate(app, signed_pdf[:-300]))


def test_tamper_signature_value_changed(app, signed_pdf):
    data = bytearray(signed_pdf)
    start = data.rindex(b"/Contents <") + len(b"/Contents <")
    # the RSA signature value sits near the end of the CMS: flip a hex digit well inside it
    hex_end = data.index(b">", start)
    body = data[start:hex_end].rstrip(b"0")
    pos = start + len(body) - 40
    data[pos] = ord("0") if data[pos] != ord("0") else ord("1")
    checks = _validate(app, bytes(data))
    assert not services.verdict(checks)
    assert checks is None or not checks[-1].valid


def test_an_officer_signs_a_final_note_and_the_notesheet_shows_it(
    clerk, login, demo, keys, pki, tmp_path, app
):
    import hashlib

    from tests.test_notes import autosave, finalise

    db = demo
    f = new_file(clerk, db)
    autosave(clerk, f.id, "प्रस्ताव अनुमोदनार्थ प्रस्तुत।", 0)
    finalise(clerk, f.id, "प्रस्ताव अनुमोदनार्थ प्रस्तुत।", 1)
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    adm = login("adm.fr")
    autosave(adm, f.id, "अनुमोदित। Approved as proposed.", 0)
    finalise(adm, f.id, "अनुमोदित। Approved as proposed.", 1)
    page = adm.page(f"/files/{f.id}")
    assert page.find("article", id="p2").find("a", href=f"/files/{f.id}/notes/2/sign")
    add_soft(adm, p12_of(keys, pki, "adm"))
    url = f"/files/{f.id}/notes/2/sign"
    assert "अनुमोदित। Approved as proposed." in adm.page(url).get_text()
    resp = adm.submit(
        url + "/soft", {"credential": str(cred_id(db, "adm.fr", "soft")), "pin": PIN}, form_page=url
    )
    assert "हस्ताक्षर 1 मान्य है" in flash_text(adm, resp)
    sig = db.session.scalar(select(Signature).where(Signature.note_id.is_not(None)))
    assert sig.text_sha256 == hashlib.sha256("अनुमोदित। Approved as proposed.".encode()).hexdigest()
    pdf = adm.get(f"/files/{f.id}/notes/2/signed.pdf").data
    checks = _validate(app, pdf)
    assert services.verdict(checks) and len(checks) == 1
    assert sig.text_sha256 in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    page = adm.page(f"/files/{f.id}")
    assert "डिजिटल हस्ताक्षरित (1)" in page.find("article", id="p2").get_text()
    notesheet = PdfReader(io.BytesIO(adm.get(f"/files/{f.id}/notesheet.pdf").data))
    text = notesheet.pages[0].extract_text()
    assert "हस्ताक्षर 1: " in text and "मान्य / valid" in text  # (ि is lost by extraction)
    # twice by the same officer: refused; a paragraph that does not exist: 404
    resp = adm.submit(
        url + "/soft", {"credential": str(cred_id(db, "adm.fr", "soft")), "pin": PIN}, form_page=url
    )
    assert "पहले ही हस्ताक्षर" in flash_text(adm, resp)
    assert adm.get(f"/files/{f.id}/notes/9/sign").status_code == 404
    # the clerk no longer holds the file: he cannot sign his own note now
    resp = clerk.submit(f"/files/{f.id}/notes/1/sign/upload", {}, form_page=f"/files/{f.id}")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count(Signature.id))) == 1


def _ink_bands(img, threshold=160) -> list[tuple[int, int]]:
    """Runs of pixel rows that carry ink (dark pixels), top to bottom."""
    w, h = img.size
    px = img.load()
    inked = [any(px[x, y] < threshold for x in range(w)) for y in range(h)]
    bands, start = [], None
    for y, on in enumerate(inked + [False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y))
            start = None
    return bands


def test_the_stamps_devanagari_lines_do_not_overlap(app, clerk, login, demo, keys, pki):  # noqa: F811
    """The stamp's four lines (heading, name, post, time) each stand apart: a matra or the
    anusvara of "अंकुर" reaching into the next line would join two bands of ink."""
    import pypdfium2

    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    add_soft(adm, p12_of(keys, pki, "adm"))
    assert "मान्य है" in flash_text(adm, sign_soft(adm, file_id, cred_id(db, "adm.fr", "soft")))
    pdf = the_pdf(app, db, file_id)
    doc = pypdfium2.PdfDocument(pdf)
    doc.init_forms()
    at, (x0, y0, x1, y1) = services.stamp_place(pdf, 1)
    page = doc[at]
    scale = 4
    img = page.render(scale=scale).to_pil().convert("L")
    height = page.get_height()
    inset = 3  # inside the border
    stamp = img.crop(
        (
            int((x0 + inset) * scale),
            int((height - y1 + inset) * scale),
            int((x1 - inset) * scale),
            int((height - y0 - inset) * scale),
        )
    )
    if os.environ.get("SAVE_STAMP"):
        stamp.save(os.environ["SAVE_STAMP"])
        img.save(os.environ["SAVE_STAMP"] + ".page.png")
    bands = _ink_bands(stamp)
    assert len(bands) == 4, bands


def test_the_letter_has_a_signature_block_and_its_endorsement_list(app, clerk, login, demo):  # noqa: F811
    """An Indian government letter: the signer's name and designation under the text on the
    right, and the प्रतिलिपि list approved with the text."""
    db = demo
    f = new_file(clerk, db)
    new_letter(
        clerk,
        f.id,
        body="कृपया ग्राम बिरधा में स्थलीय जाँच कर आख्या तीन दिवस में दें।",
        copy_to="उपजिलाधिकारी, सदर\n\n  राजस्व निरीक्षक, बिरधा  ",
    )
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    adm = login("adm.fr")
    page = adm.page(f"/files/{f.id}/letters/1")
    assert "राजस्व निरीक्षक, बिरधा" in page.get_text()
    resp = adm.submit(
        f"/files/{f.id}/letters/1/approve", {"version": "1"}, form_page=f"/files/{f.id}/letters/1"
    )
    assert "D1 अनुमोदित" in flash_text(adm, resp)
    # (text extraction drops the short i matra: words without it are checked)
    reader = PdfReader(io.BytesIO(the_pdf(app, db, f.id)))
    text = " ".join(p.extract_text() for p in reader.pages)
    block = text[text.index("श्रीवास्तव)") :]
    assert block.index("अपर") < block.index("तद्दिनांक") < block.index("सूचनार्थ")
    assert "राजस्व" in block[block.index("सूचनार्थ") :] and "बिरधा" in block
    # the endorsement is part of the approved text the signature's hash covers
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == f.id))
    v = next(v for v in draft.versions if v.number == 1)
    from eoffice.signing.pdf import text_sha256

    assert v.copy_to and text_sha256(v) in text.replace("\n", "")


# --- failures that are what they say (issue: hostile input) ------------------------------


@pytest.mark.parametrize(
    "damage", [{"salt": b"abc"}, {"sealed_key": b"short"}], ids=["salt", "sealed-key"]
)
def test_a_damaged_credential_is_not_blamed_on_the_pin(clerk, login, demo, keys, pki, damage):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    add_soft(adm, p12_of(keys, pki, "adm"))
    cred = db.session.get(SigningCredential, cred_id(db, "adm.fr", "soft"))
    for name, value in damage.items():
        setattr(cred, name, value)
    db.session.commit()
    for _ in range(6):  # more than the five tries a wrong PIN gets
        text = flash_text(adm, sign_soft(adm, file_id, cred.id))
        assert "क्षतिग्रस्त" in text and "गलत पिन" not in text, text
    db.session.expire_all()
    cred = db.session.get(SigningCredential, cred.id)
    assert cred.failed_pins == 0 and cred.locked_until is None
    assert db.session.scalar(select(Signature.id)) is None


def test_a_wrong_pin_renders_nothing_and_locks_nothing(app, clerk, login, demo, keys, pki):
    """The PIN is checked before the file's row lock and before the note's PDF is made."""
    from eoffice.signing.models import NotePdf
    from tests.test_notes import autosave, finalise

    db = demo
    f = new_file(clerk, db)
    autosave(clerk, f.id, "प्रस्ताव अनुमोदनार्थ प्रस्तुत।", 0)
    finalise(clerk, f.id, "प्रस्ताव अनुमोदनार्थ प्रस्तुत।", 1)
    add_soft(clerk, p12_of(keys, pki, "adm"))
    url = f"/files/{f.id}/notes/1/sign"
    before = {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}
    resp = clerk.submit(
        url + "/soft",
        {"credential": str(cred_id(db, "clerk.revenue", "soft")), "pin": "999999"},
        form_page=url,
    )
    assert "गलत पिन" in flash_text(clerk, resp)
    after = {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}
    assert after == before
    assert db.session.scalar(select(func.count(NotePdf.note_id))) == 0


def test_mangled_signed_pdfs_get_a_verdict_never_an_error(app, signed_pdf):
    """What an attacker or a bad line makes of a signed letter (bytes flipped, cut, doubled,
    zeroed, in the xref, the signature dictionary and the CMS): each is read and answered,
    never an exception: the exceptions the signing service catches are pyHanko's and its
    parsers', and these must all be among them. A change to the signed bytes is never valid;
    a change inside a signature's own hole may be (a CMS's certificate bag is not signed)."""
    import random
    import re

    rng = random.Random(26)
    n = len(signed_pdf)
    holes = [
        range(int(a) + int(b), int(c))
        for a, b, c, _ in re.findall(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", signed_pdf)
    ]
    cms = signed_pdf.rindex(b"/Contents <") + 11
    places = [signed_pdf.rindex(b"xref"), signed_pdf.rindex(b"/ByteRange"), cms, cms + 600]
    mangled = [signed_pdf[:cut] for cut in (10, 200, n // 3, n - 40, n - 1)]
    mangled += [signed_pdf[:p] + signed_pdf[p + 30 :] for p in places]  # a piece cut out
    mangled += [signed_pdf[:p] + b"\0" * 64 + signed_pdf[p + 64 :] for p in places]
    mangled += [
        signed_pdf + signed_pdf[-2000:],
        signed_pdf.replace(b"/ByteRange [", b"/ByteRange [9"),
    ]
    for _ in range(40):
        data = bytearray(signed_pdf)
        for _ in range(rng.randint(1, 8)):
            at = rng.choice(places + [rng.randrange(n)]) + rng.randrange(-50, 50)
            data[max(0, min(at, n - 1))] = rng.randrange(256)
        mangled.append(bytes(data))
    for data in mangled:
        checks = _validate(app, data)  # raises if an unexpected exception escapes
        changed = [i for i in range(n) if i >= len(data) or data[i] != signed_pdf[i]]
        signed_bytes_changed = len(data) != n or any(
            not any(i in hole for hole in holes) for i in changed
        )
        if signed_bytes_changed:
            assert not services.verdict(checks)


def test_a_broken_trust_store_is_no_verdict_on_the_letter(app, pki, signed_pdf):
    broken = pki.trust_dir / "zz-damaged.crl"
    broken.write_bytes(b"-----BEGIN X509 CRL-----\nbm90IGEgY3Js\n-----END X509 CRL-----\n")
    try:
        with pytest.raises(services.CannotCheck):
            _validate(app, signed_pdf)
    finally:
        broken.unlink()
    assert services.verdict(_validate(app, signed_pdf))


def _with_signature_fields(data: bytes, n: int) -> bytes:
    """The signed PDF plus n more signature fields that all point at its first signature (an
    incremental update, as an attacker would append it)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    form = w.root["/AcroForm"]
    fields = form["/Fields"]
    value = fields[0].get_object().raw_get("/V")
    for i in range(n):
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"X{i}"),
                generic.NameObject("/V"): value,
            }
        )
        fields.append(w.add_object(field))
    w.update_container(fields)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_many_signature_fields_are_refused_before_any_validation(app, signed_pdf):
    import time

    bomb = _with_signature_fields(signed_pdf, 1500)
    t0 = time.process_time()  # CPU time: a busy machine's waiting does not count
    assert _validate(app, bomb) is None
    assert time.process_time() - t0 < 2


def test_the_unsigned_rendering_leaves_the_store_once_signed(app, clerk, login, demo, keys, pki):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == file_id))
    with app.app_context():
        unsigned = Path(storage.store().where(draft.pdf_sha256))
    assert unsigned.exists()
    add_soft(adm, p12_of(keys, pki, "adm"))
    assert "गलत पिन" in flash_text(
        adm, sign_soft(adm, file_id, cred_id(db, "adm.fr", "soft"), pin="111111")
    )
    assert unsigned.exists()  # a refused signature changes nothing
    assert "मान्य है" in flash_text(adm, sign_soft(adm, file_id, cred_id(db, "adm.fr", "soft")))
    assert not unsigned.exists()
    db.session.expire_all()
    draft = db.session.get(LetterDraft, draft.id)
    with app.app_context():
        assert Path(storage.store().where(draft.pdf_sha256)).exists()  # the signed one, of course
