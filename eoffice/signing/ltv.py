"""Signatures that verify in 2050: PAdES B-LT at signing, B-LTA at issue, archive timestamps
renewed before they lapse.

A letter is kept for 25 years or for ever; its signers' certificates expire in two. With a
time-stamping service configured (EOFFICE_TSA_URL):

- signing adds a signature timestamp from the TSA and embeds the chain's revocation data (OCSP
  responses or CRLs, fetched from the addresses in the certificates) — B-LT;
- issuing adds the revocation data for every signature and a document timestamp — B-LTA;
- `flask signing refresh-ltv` adds a new document timestamp (with the revocation data of the
  last one) to issued letters whose last timestamp's certificate expires soon.

Each step is an incremental update: earlier revisions (the copy a recipient was sent) stay a
prefix of the letter as kept. Validation (`strict_status`) is pyHanko's AdES LTA validation:
local data only (nothing fetched), revocation data required, only the trust roots given."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from eoffice.platform.errors import Refused

log = logging.getLogger(__name__)

#: seconds to wait for the TSA, an OCSP responder or a CRL server
TIMEOUT = 15


def enabled() -> bool:
    return bool(current_app.config.get("TSA_URL"))


def timestamper():
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(current_app.config["TSA_URL"], timeout=TIMEOUT)


def signing_context():
    """Trust as the office's store says; revocation data fetched from the certificates' own
    addresses and required (what cannot be fetched stops the signing)."""
    from pyhanko_certvalidator import ValidationContext

    from eoffice.signing.pki import trust_store

    store = trust_store()
    return ValidationContext(
        trust_roots=store.roots, crls=store.crls, allow_fetching=True, revocation_mode="require"
    )


#: what the services refuse with when the TSA or a revocation service cannot be reached
UNAVAILABLE = "ltv_unavailable"


def unavailable(e: Exception) -> Refused:
    log.warning("time-stamping or revocation data unavailable: %r", e)
    return Refused(UNAVAILABLE)


def service_errors() -> tuple[type[Exception], ...]:
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    return (TimestampRequestError, SigningError, PathBuildingError, PathValidationError, OSError)


def _with_info(pdf: bytes, index: int, ctx) -> bytes:
    """The revocation data of the index-th signature added to the DSS (an incremental update)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import add_validation_info

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[index]
    return add_validation_info(sig, ctx, in_place=False).getvalue()


def archive(pdf: bytes) -> bytes:
    """B-LTA: the revocation data of every signature in the DSS, then a document timestamp
    (with its own chain's data). Refused(UNAVAILABLE) when a service cannot be reached."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper

    try:
        ctx = signing_context()
        data = pdf
        for i in range(len(PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures)):
            data = _with_info(data, i, ctx)  # each builds on the one before
        out = io.BytesIO()
        PdfTimeStamper(timestamper()).timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data)),
            md_algorithm="sha256",
            validation_context=ctx,
            output=out,
        )
        return out.getvalue()
    except service_errors() as e:
        raise unavailable(e) from e


def timestamp_cms(ci):
    """A signature made on a token (two-phase: the token returns the CMS) gets its signature
    timestamp here, as pyHanko adds one when it signs itself: the TSA's token over the
    signature value, as an unsigned attribute. Returns the new ContentInfo."""
    from asn1crypto import cms
    from pyhanko.sign.attributes import TSTProvider

    try:
        signer_info = ci["content"]["signer_infos"][0]
        token = _run(
            TSTProvider("sha256", signer_info["signature"].native, timestamper()).get_attribute()
        )
    except service_errors() as e:
        raise unavailable(e) from e
    unsigned = list(signer_info["unsigned_attrs"]) if signer_info["unsigned_attrs"] else []
    signer_info["unsigned_attrs"] = cms.CMSAttributes([*unsigned, token])
    return cms.ContentInfo.load(ci.dump(force=True))


def with_validation_info(pdf: bytes) -> bytes:
    """B-LT for the newest signature: its chain's revocation data in the DSS."""
    try:
        return _with_info(pdf, -1, signing_context())
    except service_errors() as e:
        raise unavailable(e) from e


@dataclass
class Status:
    """A letter's long-term state, as the pages show it."""

    #: every signature PASSED pyHanko's strict AdES LTA validation
    valid: bool
    #: when each signature was timestamped (the TSA's time), in signing order; None: not
    timestamped: list[datetime | None]
    #: revocation data in the document security store
    ltv_data: bool
    #: document timestamps (B-LTA), and when the newest one's TSA certificate expires
    archive_timestamps: int
    archive_until: datetime | None


def _run(coroutine):
    """Run pyHanko's coroutine to its end, also from a thread that has an event loop running
    (a Playwright test, a notebook): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _spec(roots):
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=roots),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )


def signature_timestamp(sig) -> datetime | None:
    """The TSA's time in an embedded signature's timestamp token (B-T and up), or None."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for signed_data in extract_tst_data_iter(sig.signer_info, signed=False):
        return signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def strict_status(pdf: bytes, roots, *, at: datetime | None = None) -> Status:
    """pyHanko's AdES LTA validation of every signature: nothing fetched, revocation data
    required, only `roots` trusted. `at`: a time in the future, validated as if the archive
    timestamps were renewed until then (pyHanko's simulated future validation)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import (
        ades_lta_validation,
        simulate_future_ades_lta_validation,
    )

    reader = PdfFileReader(io.BytesIO(pdf))
    spec = _spec(roots)
    valid, times = True, []
    for sig in reader.embedded_regular_signatures:
        if at is None:
            result = _run(ades_lta_validation(sig, spec))
        else:
            result = _run(simulate_future_ades_lta_validation(sig, spec, future_validation_time=at))
        valid = valid and result.ades_subindic == AdESPassed.OK
        times.append(signature_timestamp(sig))
    return Status(
        valid=valid and bool(reader.embedded_regular_signatures),
        timestamped=times,
        ltv_data="/DSS" in reader.root,
        archive_timestamps=len(reader.embedded_timestamp_signatures),
        archive_until=archive_until(pdf),
    )


def archive_until(pdf: bytes) -> datetime | None:
    """When the newest archive timestamp's TSA certificate expires (None: there is none)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    stamps = PdfFileReader(io.BytesIO(pdf)).embedded_timestamp_signatures
    if not stamps:
        return None
    return stamps[-1].signer_cert["tbs_certificate"]["validity"]["not_after"].native


def renew(pdf: bytes) -> bytes:
    """A new document timestamp over the letter, with the revocation data of the last one."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper

    try:
        out = io.BytesIO()
        PdfTimeStamper(timestamper()).update_archival_timestamp_chain(
            PdfFileReader(io.BytesIO(pdf)), signing_context(), in_place=False, output=out
        )
        return out.getvalue()
    except service_errors() as e:
        raise unavailable(e) from e
