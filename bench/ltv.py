"""What long-term signatures cost (issue #27): a one-page Hindi letter signed at PAdES B-B and at
B-LT (a timestamp from the TSA, OCSP data embedded), then archived to B-LTA (revocation data and
a document timestamp) — against certomancer's TSA and OCSP responder on loopback, as the tests
and the demo use them. Seconds per operation (median of --runs) and the letter's size.

    .venv/bin/python bench/ltv.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from flask import Flask
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from eoffice.platform import pdftext
    from eoffice.signing import ltv
    from eoffice.signing.pki import DemoCA, Services, p12, write_services_config

    work = Path(tempfile.mkdtemp(prefix="bench-ltv-"))
    services = Services()
    ca = DemoCA.create()
    ca.services_url = services.url
    key, cert = ca.issue("bench signer")
    ca.write_trust_dir(work / "trust")
    services.load(write_services_config(ca, work / "services"))
    app = Flask(__name__)
    app.config.update(TRUST_DIR=str(work / "trust"), TSA_URL=ca.tsa_url)
    signer = signers.SimpleSigner.load_pkcs12_data(p12(key, cert, ca.cert, None), [])
    html = (
        '<html lang="hi"><body><h1>कलेक्ट्रेट ललितपुर</h1><p>'
        + "कृपया ग्राम बिरधा में प्रस्तावित भूमि की स्थलीय जाँच कर आख्या तीन दिवस में दें। " * 8
        + '</p><div id="stamps" style="height:116pt"></div></body></html>'
    )
    root = asn1_x509.Certificate.load(ca.cert.public_bytes(serialization.Encoding.DER))
    times: dict[str, list[float]] = {"render": [], "B-B": [], "B-LT": [], "B-LTA": [], "verify": []}
    sizes = {}
    with app.app_context():
        for _ in range(args.runs):
            t = time.perf_counter()
            pdf = pdftext.write_pdf(html, str(work))
            times["render"].append(time.perf_counter() - t)
            for name, long_term in (("B-B", False), ("B-LT", True)):
                meta = signers.PdfSignatureMetadata(
                    field_name="Sig1", md_algorithm="sha256",
                    subfilter=fields.SigSeedSubFilter.PADES, embed_validation_info=long_term,
                    validation_context=ltv.signing_context() if long_term else None,
                )  # fmt: skip
                t = time.perf_counter()
                out = signers.PdfSigner(
                    meta, signer=signer, timestamper=ltv.timestamper() if long_term else None
                ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
                times[name].append(time.perf_counter() - t)
                sizes[name] = len(out.getvalue())
                signed = out.getvalue()
            t = time.perf_counter()
            archived = ltv.archive(signed)
            times["B-LTA"].append(time.perf_counter() - t)
            sizes["B-LTA"] = len(archived)
            t = time.perf_counter()
            assert ltv.strict_status(archived, [root]).valid
            times["verify"].append(time.perf_counter() - t)
    services.stop()
    sizes["unsigned"] = len(pdf)
    result = {
        "runs": args.runs,
        "median_seconds": {k: round(statistics.median(v), 3) for k, v in times.items()},
        "max_seconds": {k: round(max(v), 3) for k, v in times.items()},
        "bytes": sizes,
    }
    print(result)
    print(save("ltv", result))


if __name__ == "__main__":
    main()
