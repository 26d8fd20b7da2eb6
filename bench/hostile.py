"""Hostile round 3 (issue #25): what the costly inputs cost now. Each is read the way the app
reads it, and timed as a whole, with the parent's peak memory:
- the staff-list bomb: one 5 MB shared string referenced by 10,000 cells (~100 KB packed),
  which held a worker for 60 s until gunicorn killed it;
- a CSV line of a million columns, which grew a worker from 250 to 562 MB;
- the signing-revision check (pyHanko's difference analysis) on an honest upload and on one
  that alters the page, which every signature now pays.
Nothing here asserts a time: `python bench/hostile.py` prints the figures and writes
bench/results/hostile-*.json."""

from __future__ import annotations

import io
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import save  # noqa: E402


def _timed(fn, runs: int = 3) -> tuple[float, object]:
    best, out = None, None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best, out


def main() -> None:
    from eoffice.admin import tables
    from tests.test_admin import shared_string_bomb

    results = {}
    bomb = shared_string_bomb()
    million = ("नाम" + ",x" * 1_000_000 + "\nक,ख\n").encode()

    def refused(data):
        try:
            tables.read_limited(data)
        except tables.TableError as e:
            return e.code
        return "read"

    for name, data in (("xlsx_shared_string_bomb", bomb), ("csv_million_columns", million)):
        took, outcome = _timed(lambda d=data: refused(d))
        results[name] = {"bytes": len(data), "seconds": round(took, 2), "outcome": outcome}
        print(f"{name}: {len(data) / 1024:.0f} KiB sent, {outcome} in {took:.2f} s")

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from eoffice.signing.pdf import signable
    from eoffice.signing.pki import DemoCA, p12
    from eoffice.signing.services import only_signature_added
    from tests import samples
    from tests.test_signing import _add_text

    ca = DemoCA.create()
    signer = signers.SimpleSigner.load_pkcs12_data(p12(*ca.issue("bench"), ca.cert, None), [])
    base = signable(samples.pdf(1))

    def signed(alter=None):
        w = IncrementalPdfFileWriter(io.BytesIO(base))
        if alter:
            alter(w)
        meta = signers.PdfSignatureMetadata(field_name="Sig1")
        return signers.sign_pdf(w, meta, signer=signer).getvalue()

    for name, data in (("diff_honest", signed()), ("diff_altered_page", signed(_add_text))):
        took, ok = _timed(lambda d=data: only_signature_added(base, d), runs=5)
        results[name] = {"seconds": round(took, 3), "only_signature": ok}
        print(f"{name}: only the signature added = {ok}, {took * 1000:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["parent_peak_rss_mb"] = round(peak)
    print(f"this process's peak RSS: {peak:.0f} MB (the reading happens in the child)")
    save("hostile", results)


if __name__ == "__main__":
    main()
