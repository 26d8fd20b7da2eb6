"""Signing letters: credentials (a PIN-sealed soft certificate, or a token's certificate), the
three ways to sign, and validation against the office's trust store. Services flush only.

The three ways:
1. soft: the user's PKCS#12, sealed with AES-GCM under a key derived (argon2id) from a PIN the
   server never stores; signing asks for the PIN.
2. two-phase: the server prepares the PDF with a signature placeholder and hands out only its
   digest; a USB token (through `eoffice-sign`) or an eSign provider returns a CMS signature over
   that digest, which is checked and embedded.
3. upload: a PDF signed elsewhere, accepted only if it is this letter's PDF (byte for byte) with
   a new valid signature appended by incremental update.

Whichever way, a signature is kept only when (`_may_sign`, `_record`): the signer may sign this
item (a letter: its approver first, then officers who may approve; a note: its author), the
certificate in the signature is one registered to the signer, and the signing revision adds
nothing but the signature (pyHanko's difference analysis against the PDF we handed out).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from eoffice.files.models import LetterDraft, Note
from eoffice.files.services import holding_charge
from eoffice.platform import audit, clock, storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.policy import Actor
from eoffice.signing import ltv, targets
from eoffice.signing import pdf as pdfs
from eoffice.signing.models import Signature, SigningCredential, SigningSession

if TYPE_CHECKING:
    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from pyhanko.sign import signers
    from pyhanko.stamp import TextStampStyle

# pyHanko, cryptography and WeasyPrint take about a second to import: they are imported where
# a signature or a PDF is made, not when the app (or a CLI command, or a worker) starts.

log = logging.getLogger(__name__)

PIN_TRIES = 5
STAMP_LEADING = 12
PIN_LOCK = timedelta(minutes=15)
SESSION_LIFE = timedelta(minutes=15)
#: the stamp is set in one font, which must have Devanagari and Latin: Lohit has both
#: (Debian: fonts-lohit-deva); Noto Sans Devanagari has no Latin letters
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
]


# --- credentials -----------------------------------------------------------------------


def check_certificate(cert_der: bytes, others: list[bytes] = ()) -> None:
    """Refused unless the certificate chains to the trust store, is in date, not revoked, and
    may sign (non-repudiation or digital signature)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    from eoffice.signing.pki import trust_store

    cert = asn1_x509.Certificate.load(cert_der)
    validator = CertificateValidator(
        cert,
        intermediate_certs=[asn1_x509.Certificate.load(o) for o in others],
        validation_context=trust_store().context(),
    )
    try:
        asyncio.run(validator.async_validate_usage(set(), extended_optional=True))
    except (ExpiredError, NotYetValidError) as e:
        raise Refused("expired") from e
    except RevokedError as e:
        raise Refused("revoked") from e
    except (PathBuildingError, PathValidationError) as e:
        raise Refused("untrusted") from e


def _common_name(cert) -> str:
    """An asn1crypto certificate's holder, as printed on it."""
    native = cert.subject.native
    return str(native.get("common_name") or native.get("organization_name") or "?")


def _derive(pin: str, salt: bytes) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        pin.encode(),
        salt,
        time_cost=3,
        memory_cost=65536,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )


def _aad(user_id: int) -> bytes:
    return f"eoffice-soft-key:{user_id}".encode()


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 6 <= len(pin) <= 12


def add_soft(actor: Actor, p12: bytes, password: str, pin: str) -> SigningCredential:
    """Keep a PKCS#12 sealed under the PIN. The server keeps neither PIN nor password."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    if not valid_pin(pin):
        raise Refused("weak_pin")
    try:
        key, cert, others = pkcs12.load_key_and_certificates(p12, password.encode() or None)
    except ValueError as e:
        raise Refused("bad_p12") from e
    if key is None:  # certificates only (a "public" .p12): it cannot sign
        raise Refused("no_key")
    if cert is None:
        raise Refused("bad_p12")
    other_der = [o.public_bytes(serialization.Encoding.DER) for o in others or []]
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    check_certificate(cert_der, other_der)
    plain = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, others or None, serialization.NoEncryption()
    )
    salt, sealed = seal(plain, pin, actor.id)
    return _store(actor, cert, "soft", salt=salt, sealed=sealed)


def seal(plain_p12: bytes, pin: str, user_id: int) -> tuple[bytes, bytes]:
    """(salt, nonce + AES-GCM ciphertext) of a password-less PKCS#12 under the PIN."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    return salt, nonce + AESGCM(_derive(pin, salt)).encrypt(nonce, plain_p12, _aad(user_id))


def add_token(actor: Actor, cert_bytes: bytes) -> SigningCredential:
    """A token's (or eSign's) certificate: PEM or DER. The key never comes here."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = (
            x509.load_pem_x509_certificate(cert_bytes)
            if b"-----BEGIN" in cert_bytes
            else x509.load_der_x509_certificate(cert_bytes)
        )
    except ValueError as e:
        raise Refused("bad_cert") from e
    check_certificate(cert.public_bytes(serialization.Encoding.DER))
    return _store(actor, cert, "token")


def _registered_elsewhere(issuer: str, serial: str, user_id: int) -> bool:
    """A certificate is registered to one person: whoever registers it first."""
    return (
        db.session.scalar(
            select(SigningCredential.id).where(
                SigningCredential.issuer == issuer,
                SigningCredential.serial == serial,
                SigningCredential.user_id != user_id,
                SigningCredential.removed_at.is_(None),
            )
        )
        is not None
    )


def _store(
    actor: Actor,
    cert: x509.Certificate,
    kind: str,
    *,
    salt=None,
    sealed=None,
    user_id: int | None = None,
) -> SigningCredential:
    from cryptography.hazmat.primitives import serialization

    user_id = user_id or actor.id
    issuer, serial = cert.issuer.rfc4514_string()[:500], format(cert.serial_number, "x")
    if _registered_elsewhere(issuer, serial, user_id):
        raise Refused("cert_of_another")
    cred = SigningCredential(
        user_id=user_id,
        kind=kind,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
        subject=cert.subject.rfc4514_string()[:500],
        issuer=issuer,
        serial=serial,
        not_after=cert.not_valid_after_utc,
        salt=salt,
        sealed_key=sealed,
    )
    db.session.add(cred)
    db.session.flush()
    audit.record(
        "add_credential",
        user_id=user_id,
        object_type="credential",
        object_id=cred.id,
        kind=kind,
        serial=cred.serial,
    )
    return cred


def credentials(actor: Actor, kind: str | None = None) -> list[SigningCredential]:
    q = select(SigningCredential).where(
        SigningCredential.user_id == actor.id, SigningCredential.removed_at.is_(None)
    )
    if kind:
        q = q.where(SigningCredential.kind == kind)
    return list(db.session.scalars(q.order_by(SigningCredential.id.desc())))


def remove(actor: Actor, cred: SigningCredential) -> None:
    if cred.user_id != actor.id:
        raise Refused("not_yours")
    cred.removed_at = datetime.now(UTC)
    db.session.flush()
    audit.record("remove_credential", user_id=actor.id, object_type="credential", object_id=cred.id)


def unseal(cred: SigningCredential, pin: str) -> signers.SimpleSigner:
    """The signer, or Refused('wrong_pin' / 'locked'). Failures are counted on the row: the
    caller commits them even though the request is refused."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from pyhanko.sign import signers

    now = datetime.now(UTC)
    if cred.locked_until is not None and cred.locked_until > now:
        raise Refused("locked")
    from argon2.exceptions import HashingError
    from cryptography.exceptions import InvalidTag

    nonce, sealed = cred.sealed_key[:12], cred.sealed_key[12:]
    try:
        key = _derive(pin, cred.salt)
        plain = AESGCM(key).decrypt(nonce, sealed, _aad(cred.user_id))
    except InvalidTag as e:  # only a failed authentication tag is a wrong PIN
        cred.failed_pins += 1
        if cred.failed_pins >= PIN_TRIES:
            cred.locked_until = now + PIN_LOCK
            cred.failed_pins = 0
        db.session.flush()
        raise Refused("wrong_pin") from e
    except (HashingError, ValueError, TypeError) as e:  # a damaged salt, nonce or key: ours
        log.error("credential %s cannot be unsealed: %r", cred.id, e)
        raise Refused("damaged_credential") from e
    signer = signers.SimpleSigner.load_pkcs12_data(plain, other_certs=[])
    if signer is None:
        log.error("credential %s unsealed to no usable key", cred.id)
        raise Refused("damaged_credential")
    cred.failed_pins = 0
    cred.locked_until = None
    return signer


# --- the letter's PDF ------------------------------------------------------------------


def ensure_pdf(draft: LetterDraft) -> str:
    return targets.for_letter(draft).ensure_pdf()


def signatures(target) -> list[Signature]:
    """A target's signatures in order; a LetterDraft is taken as its letter target."""
    if isinstance(target, LetterDraft):
        target = targets.for_letter(target)
    return list(
        db.session.scalars(select(Signature).filter_by(**target.key).order_by(Signature.seq))
    )


def _font() -> str:
    return next(p for p in FONT_CANDIDATES if Path(p).exists())


def _stamp() -> TextStampStyle:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text=("डिजिटल हस्ताक्षरित / Digitally signed\n%(name)s\n%(post)s\n%(when)s"),
        # Devanagari reaches far above and below the Latin line (matras, anusvara, ु): a
        # leading of 1.5 em keeps one line's marks off the next (tests/test_pdf.py)
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(_font()), font_size=8, leading=STAMP_LEADING
        ),
        border_width=1,
    )


#: a stamp's size and the gaps between them (pt)
STAMP_W, STAMP_H, STAMP_GAP = 240, 54, 4


def stamp_place(pdf: bytes, seq: int) -> tuple[int, tuple[int, int, int, int]]:
    """(page index, box) of signature `seq`'s stamp: two by two in the band the letter or note
    reserves for them where a signature goes (the element named "stamps", which WeasyPrint
    writes as a named destination: its page and top-left corner), 1 at the right just above
    the signer's name, 2 left of it, 3 and 4 a row higher. A PDF rendered before the band (its stamps in an 80 mm reserved foot
    of the last page) keeps that foot."""
    from pypdf import PdfReader

    i = (seq - 1) % 4
    col, row = i % 2, i // 2
    reader = PdfReader(io.BytesIO(pdf))
    band = reader.named_destinations.get("stamps")
    if band is None:
        x, y = 310 - col * 260, 162 - row * 58
        return -1, (x, y, x + STAMP_W, y + STAMP_H)
    page = reader.get_destination_page_number(band)
    width = float(reader.pages[page].mediabox.width)
    left, top = float(band.left), float(band.top)
    right = width - left  # the margins are the same on both sides
    x = int(right - STAMP_W - col * (STAMP_W + STAMP_GAP * 2))
    y = int(top - STAMP_H - (1 - row) * (STAMP_H + STAMP_GAP))  # the lower row first
    return page, (x, y, x + STAMP_W, y + STAMP_H)


def _signer_for_pdf(
    target, seq: int, signer, charge, pdf: bytes, *, long_term: bool = False
) -> signers.PdfSigner:
    """`long_term`: PAdES B-LT — a signature timestamp from the TSA and the chain's revocation
    data embedded (eoffice.signing.ltv); else B-B."""
    from pyhanko.sign import fields, signers

    page, box = stamp_place(pdf, seq)
    meta = signers.PdfSignatureMetadata(
        field_name=f"Sig{seq}",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=target.reason,
        location=charge.post.office.name_en,
        embed_validation_info=long_term,
        validation_context=ltv.signing_context() if long_term else None,
    )
    return signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=ltv.timestamper() if long_term else None,
        stamp_style=_stamp(),
        new_field_spec=fields.SigFieldSpec(sig_field_name=f"Sig{seq}", on_page=page, box=box),
    )


def stamp_time() -> str:
    """The signing time on the stamp: India's, never pyHanko's UTC "%(ts)s"."""
    return clock.local_now().strftime("%d-%m-%Y %H:%M:%S %Z")


def _appearance(actor: Actor, charge) -> dict:
    return {
        "name": f"{actor.user.name_hi} / {actor.user.name_en}",
        "post": charge.post.designation_hi,
        # India's time, never the server's UTC (pyHanko's own %(ts)s)
        "when": stamp_time(),
    }


def _ready(actor: Actor, target):
    """Lock, check, and return (charge, seq, current PDF bytes)."""
    f = lock_row(target.file)
    charge = holding_charge(actor, f)
    target.lock()
    target.check()
    done = signatures(target)
    if any(s.user_id == actor.id for s in done):
        raise Refused("already_signed")
    seq = len(done) + 1
    _may_sign(actor, target, charge, seq)
    sha = target.ensure_pdf()
    current = storage.read(sha)
    if seq == 1 and not pdfs.has_form(current):
        # rendered before signable PDFs: give it its (empty) form, so that the difference
        # analysis has a revision to compare the signing revision with
        current = pdfs.signable(current)
        sha, _new = storage.put(current)
        target.set_pdf(sha)
        db.session.flush()
    return charge, seq, current


def _may_sign(actor: Actor, target, charge, seq: int) -> None:
    """Who may sign: a letter first by its approver (or whoever holds the approving post now),
    then countersigned by officers whose post may approve; a note by its author (or whoever
    holds the post it was written from). Refused('not_signer') otherwise."""

    if target.kind == "letters":
        draft = target.obj
        if seq == 1:
            ok = draft.approved_by_id == actor.id or (
                draft.approved_post_id is not None
                and actor.charge_for(draft.approved_post_id) is not None
            )
        else:
            ok = charge.post.may_approve
    else:
        note = target.obj
        ok = note.author_id == actor.id or actor.charge_for(note.post_id) is not None
    if not ok:
        raise Refused("not_signer")


def _target(obj):
    return targets.for_letter(obj) if isinstance(obj, LetterDraft) else obj


def sign_soft(actor: Actor, target, cred: SigningCredential, pin: str) -> Signature:
    """`target`: a LetterDraft, or a target from eoffice.signing.targets."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    target = _target(target)
    if cred.user_id != actor.id or cred.kind != "soft" or cred.removed_at:
        raise Refused("no_credential")
    # the PIN and the certificate first: a wrong PIN costs no lock, no rendering, no writes
    # beyond the failure count
    check_certificate(cred.cert_der)
    signer = unseal(cred, pin)
    charge, seq, current = _ready(actor, target)
    long_term = ltv.enabled()
    try:
        out = _signer_for_pdf(target, seq, signer, charge, current, long_term=long_term).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(current)),
            appearance_text_params=_appearance(actor, charge),
        )
    except ltv.service_errors() as e:
        if not long_term:
            raise
        raise ltv.unavailable(e) from e
    return _record(actor, target, seq, charge, cred, "soft", out.getvalue(), current)


def prepare(actor: Actor, target, cred: SigningCredential) -> SigningSession:
    """Phase one: the PDF with a placeholder, and the digest the token must sign."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from eoffice.signing.pki import trust_store

    target = _target(target)
    if cred.user_id != actor.id or cred.kind != "token" or cred.removed_at:
        raise Refused("no_credential")
    check_certificate(cred.cert_der)
    charge, seq, current = _ready(actor, target)
    cert = asn1_x509.Certificate.load(cred.cert_der)
    store = SimpleCertificateStore.from_certs(trust_store().roots)
    ext = signers.ExternalSigner(signing_cert=cert, cert_registry=store, signature_value=256)
    pdf_signer = _signer_for_pdf(target, seq, ext, charge, current)
    prep, _tbs, output = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(
            IncrementalPdfFileWriter(io.BytesIO(current)),
            appearance_text_params=_appearance(actor, charge),
            bytes_reserved=32768,  # the token's CMS, and the TSA's token added at finish
        )
    )
    session = SigningSession(
        **target.key,
        user_id=actor.id,
        post_id=charge.post.id,
        credential_id=cred.id,
        base_sha256=target.pdf_sha256,
        prepared=output.getvalue(),
        digest=prep.document_digest,
        region_start=prep.reserved_region_start,
        region_end=prep.reserved_region_end,
        expires_at=datetime.now(UTC) + SESSION_LIFE,
    )
    db.session.add(session)
    db.session.flush()
    return session


def _message_digest(ci: cms.ContentInfo) -> tuple[bytes, asn1_x509.Certificate | None]:
    sd = ci["content"]
    si = sd["signer_infos"][0]
    digest = next(
        (a["values"][0].native for a in si["signed_attrs"] if a["type"].native == "message_digest"),
        None,
    )
    if digest is None:
        raise ValueError("the CMS signs no message digest")
    sid = si["sid"].chosen
    cert = next(
        (
            c.chosen
            for c in sd["certificates"]
            if c.name == "certificate" and c.chosen.serial_number == sid["serial_number"].native
        ),
        None,
    )
    return digest, cert


def finish(actor: Actor, session: SigningSession, cms_der: bytes) -> Signature:
    """Phase two: check the CMS signs this session's digest with the registered certificate,
    embed it, validate the result; refuse (and keep nothing) otherwise."""
    from asn1crypto import cms
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    if session.user_id != actor.id:
        raise Refused("not_yours")
    if session.finished_at is not None:
        raise Refused("session_used")
    if session.expires_at < datetime.now(UTC):
        raise Refused("session_expired")
    target = session_target(session)
    charge, seq, current = _ready(actor, target)
    if target.pdf_sha256 != session.base_sha256:
        raise Refused("session_stale")  # someone signed in between: prepare again
    try:
        ci = cms.ContentInfo.load(cms_der)
        digest, cert = _message_digest(ci)
    except MALFORMED as e:  # what asn1crypto raises on bytes that are not the CMS we asked for
        raise Refused("bad_cms") from e
    if digest != session.digest:
        raise Refused("wrong_digest")
    cred = db.session.get(SigningCredential, session.credential_id)
    if cert is None or cert.dump() != cred.cert_der:
        raise Refused("wrong_cert")
    output = io.BytesIO(session.prepared)
    prep = PreparedByteRangeDigest(
        document_digest=session.digest,
        reserved_region_start=session.region_start,
        reserved_region_end=session.region_end,
    )
    long_term = ltv.enabled()
    if long_term:  # B-T: the TSA's timestamp over the token's signature, as for soft signing
        ci = ltv.timestamp_cms(ci)
    try:
        asyncio.run(PdfTBSDocument.async_finish_signing(output, prep, ci))
    except (SigningError, ValueError) as e:
        raise Refused("bad_cms") from e
    signed = output.getvalue()
    if long_term:  # B-LT: the chain's revocation data
        signed = ltv.with_validation_info(signed)
    session.finished_at = datetime.now(UTC)
    return _record(actor, target, seq, charge, cred, "two_phase", signed, current)


def session_target(session: SigningSession):
    if session.draft_id is not None:
        return targets.for_letter(db.session.get(LetterDraft, session.draft_id))
    note = db.session.get(Note, session.note_id)
    return targets.NoteTarget(note, note.file)


def upload_signed(actor: Actor, target, data: bytes) -> Signature:
    """A PDF signed elsewhere: this letter's (or note's) PDF, unchanged, plus a new signature."""
    target = _target(target)
    charge, seq, current = _ready(actor, target)
    if not data.startswith(b"%PDF") or len(data) <= len(current):
        raise Refused("not_this_letter")
    if data[: len(current)] != current:
        raise Refused("not_this_letter")
    return _record(actor, target, seq, charge, None, "upload", data, current)


# --- validation ------------------------------------------------------------------------


@dataclass
class Check:
    """One signature's result, in the words the pages show."""

    signer: str
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    whole: bool
    unchanged_after: bool
    signed_at: datetime | None
    #: the signing certificate as validated (DER), and its serial as registered
    cert_der: bytes | None = None
    serial: str = ""
    #: the TSA's time in the signature's timestamp (PAdES B-T and up), if it has one
    timestamped_at: datetime | None = None
    #: what later revisions did (pyHanko's modification level), e.g. LTA_UPDATES
    after: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.intact
            and self.valid
            and self.trusted
            and not self.revoked
            and self.unchanged_after
        )

    def summary(self) -> str:
        flags = [
            ("INTACT", self.intact),
            ("VALID", self.valid),
            ("TRUSTED", self.trusted),
            ("NOT_REVOKED", not self.revoked),
            ("NO_CHANGES_AFTER", self.unchanged_after),
        ]
        return " ".join(k if v else f"NOT_{k}" for k, v in flags) + f" · {self.signer}"


#: what may follow a signature in later revisions (pyHanko's ModificationLevel names)
ALLOWED_AFTER = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


#: What the parsers under pyHanko (its PDF reader, asn1crypto, zlib, struct) raise on bytes
#: that are not what they claim: pyHanko's own errors are ValueErrors and PdfErrors.
MALFORMED = (ValueError, KeyError, TypeError, IndexError, AttributeError, zlib.error,
             struct.error, RecursionError, OverflowError, EOFError)  # fmt: skip


class CannotCheck(Exception):
    """Our fault, not the document's: the trust store or a CRL cannot be read, or validation
    failed in a way no PDF should cause. Shown as "cannot check now", never as a verdict."""


#: an issued letter carries a few signatures; each costs a diff of the whole file, so a PDF
#: whose fields all point at one signature (1,500 of them: over a minute) is refused unread
MAX_SIGNATURES = 12


def validate(data: bytes) -> list[Check] | None:
    """Every signature in the PDF, or None if it cannot be read as a signed PDF at all
    (truncated, garbled, not a PDF, or more signature fields than any letter has). Raises
    CannotCheck when the trust store cannot be read; any other fault of ours propagates (a
    logged 500), never a verdict on the document."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator.errors import PathError, ValidationError

    from eoffice.signing.pki import trust_store

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        fields = _signature_field_count(reader)
        if fields > MAX_SIGNATURES:
            return None
        sigs = reader.embedded_regular_signatures  # the people's; document timestamps apart
    except (PdfError, *MALFORMED):  # cannot be parsed: not a valid signed PDF
        return None
    if not sigs:
        return []
    if len(sigs) > MAX_SIGNATURES:
        return None
    try:
        ctx = trust_store().context()
    except (OSError, ValueError) as e:  # a file of the trust directory unreadable or damaged
        log.error("the trust store cannot be read: %r", e)
        raise CannotCheck from e
    checks = []
    for sig in sigs:
        try:
            st = validate_pdf_signature(sig, ctx, skip_diff=False)
        except (PdfError, PathError, ValidationError, *MALFORMED) as e:
            # a malformed signature dictionary, CMS or certificate: this document's fault.
            # Anything else is ours: a logged 500, not a verdict on the letter.
            log.info("signature could not be validated: %r", e)
            return None
        cert = st.signing_cert
        checks.append(
            Check(
                # the holder's name, not "Common Name: …, Organization: …" in English
                signer=_common_name(cert) if cert is not None else "?",
                intact=bool(st.intact),
                valid=bool(st.valid),
                trusted=bool(st.trusted),
                revoked=bool(st.revoked),
                whole=st.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                unchanged_after=st.coverage == SignatureCoverageLevel.ENTIRE_FILE
                or getattr(st.modification_level, "name", None) in ALLOWED_AFTER,
                signed_at=st.signer_reported_dt,
                cert_der=cert.dump() if cert is not None else None,
                serial=format(cert.serial_number, "x") if cert is not None else "",
                timestamped_at=st.timestamp_validity.timestamp
                if st.timestamp_validity is not None and st.timestamp_validity.valid
                else None,
                after=getattr(st.modification_level, "name", None),
            )
        )
    return checks


def only_signature_added(base: bytes, signed: bytes) -> bool:
    """Whether every revision after `base` adds only signatures, their appearances, the DSS and
    timestamps: pyHanko's difference analysis, with no other form field changed. Page content,
    annotations that draw, and form values are refused."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
    from pyhanko.sign.diff_analysis.policy_api import SuspiciousModification

    try:
        before = PdfFileReader(io.BytesIO(base), strict=False).xrefs.total_revisions
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        old_fields = {f for f, _, _ in _sig_fields(reader, before - 1)}
        result = DEFAULT_DIFF_POLICY.review_file(reader, before - 1)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        log.info("the signing revision cannot be compared: %r", e)
        return False
    if isinstance(result, SuspiciousModification):
        log.info("the signing revision changes the document: %s", result)
        return False
    if result.modification_level > ModificationLevel.FORM_FILLING:
        return False
    new_sigs = {f for f, _, _ in _sig_fields(reader, None)} - old_fields
    # only the new signature field(s) changed: no other field's value
    return bool(new_sigs) and result.changed_form_fields <= new_sigs


def _sig_fields(reader, revision: int | None):
    from pyhanko.sign.fields import enumerate_sig_fields

    if revision is None:
        return list(enumerate_sig_fields(reader, filled_status=None))
    hist = reader.get_historical_resolver(revision)
    root = hist.root
    if "/AcroForm" not in root:
        return []
    return list(enumerate_sig_fields(hist, filled_status=None))


def _signature_field_count(reader) -> int:
    """Signature fields in the AcroForm, counted without validating any (bounded walk)."""
    from pyhanko.pdf_utils.generic import NameObject

    root = reader.root
    form = root.get("/AcroForm")
    if form is None:
        return 0
    seen, stack, count = 0, list(form.get_object().get("/Fields", [])), 0
    while stack and seen < 10_000:
        seen += 1
        field = stack.pop().get_object()
        if field.get("/FT") == NameObject("/Sig"):
            count += 1
            if count > MAX_SIGNATURES:
                return count
        stack.extend(field.get("/Kids", []))
    return count if seen < 10_000 else MAX_SIGNATURES + 1


def verdict(checks: list[Check] | None) -> bool:
    """Every signature good, and nothing after the last but long-term data (the revocation
    data and document timestamps of B-LTA)."""
    return (
        bool(checks)
        and all(c.ok for c in checks)
        and (checks[-1].whole or checks[-1].after == "LTA_UPDATES")
    )


def _record(
    actor: Actor, target, seq, charge, cred, method, signed: bytes, base: bytes
) -> Signature:
    """Keep a signature: valid and trusted, made with a certificate registered to the signer
    (the chosen credential, or for an upload any of theirs), over exactly the PDF we handed out
    with nothing but the signature added."""
    try:
        checks = validate(signed)
    except CannotCheck as e:
        raise Refused("cannot_check") from e
    if checks is None or len(checks) != seq:
        raise Refused("invalid_signature")
    last = checks[-1]
    if last.revoked:
        raise Refused("revoked")
    if not last.trusted or not last.valid or not last.intact:
        raise Refused("untrusted" if last.intact and last.valid else "invalid_signature")
    if not verdict(checks):
        raise Refused("invalid_signature")
    if cred is None:
        cred = _registered_credential(actor, last)
    elif last.cert_der != cred.cert_der:
        raise Refused("wrong_cert")
    if not only_signature_added(base, signed):
        raise Refused("altered_in_signing")
    sha, _ = storage.put(signed)
    sig = Signature(
        **target.key,
        seq=seq,
        user_id=actor.id,
        post_id=charge.post.id,
        credential_id=cred.id if cred else None,
        method=method,
        signer_subject=last.signer[:500],
        cert_serial=last.serial[:80],
        pdf_sha256=sha,
        text_sha256=target.text_sha256(),
        valid=last.valid,
        trusted=last.trusted,
        summary=" | ".join(c.summary() for c in checks)[:4000],
        timestamped_at=last.timestamped_at,
    )
    db.session.add(sig)
    unsigned = target.pdf_sha256 if seq == 1 else None
    target.set_pdf(sha)
    db.session.flush()
    # the unsigned rendering is inside every signed revision (incremental updates): kept by
    # nothing once the first signature is in, it leaves the store with the commit
    storage.release_after_commit(unsigned)
    audit.record_on(
        actor,
        target.file,
        "sign_letter" if target.kind == "letters" else "sign_note",
        charge.post.id,
        **target.key,
        seq=seq,
        method=method,
        pdf_sha256=sha,
        text_sha256=sig.text_sha256,
    )
    return sig


def _registered_credential(actor: Actor, check: Check) -> SigningCredential:
    """The signer's own registered certificate that made this signature, or Refused."""
    mine = db.session.scalars(
        select(SigningCredential).where(
            SigningCredential.user_id == actor.id,
            SigningCredential.removed_at.is_(None),
            SigningCredential.serial == check.serial,
        )
    )
    cred = next((c for c in mine if c.cert_der == check.cert_der), None)
    if cred is None:
        raise Refused("cert_not_registered")
    return cred


def note_signature_counts(note_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Signature.note_id, func.count())
        .where(Signature.note_id.in_(note_ids or [0]))
        .group_by(Signature.note_id)
    )
    return dict(rows.all())
