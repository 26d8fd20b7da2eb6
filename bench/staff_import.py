"""Staff import of 10,000 rows: `flask staff import` (preview and apply, one transaction) on a
fresh demo database, as the app's own role, with the slips PDF. Prints the seconds of each step.

    python bench/staff_import.py [--rows 10000]

Budget (issue 15): the check (preview) of a 10,000-row list fits in a web request (≤ 5 s);
the whole import of 10,000 from the command line ≤ 60 s — missed since #28 hashes one-time
passwords at argon2's full cost (docs/performance.md says why).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def staff_xlsx(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["नाम", "पदनाम", "अनुभाग", "मोबाइल", "कर्मचारी कोड", "पद"])
    first = ["राम", "सुरेश", "कमला", "अनिल", "पूजा", "दिनेश", "सुनीता", "महेंद्र"]
    last = ["यादव", "वर्मा", "सिंह", "गुप्ता", "मिश्र", "कुशवाहा", "साहू", "राय"]
    for i in range(rows):
        name = f"{first[i % 8]} {last[(i // 8) % 8]}"
        sheet.append([name, "लिपिक", "राज", f"7{i:09d}", f"BENCH-{i}", f"लिपिक-{i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args()
    from eoffice.platform.database import embedded_server_uri, ensure_app_role, ensure_database

    server = os.environ.get("BENCH_DATABASE_URL") or embedded_server_uri(
        ROOT / "instance" / "pgbench"
    )
    owner = ensure_database(server, "eoffice_bench_import", recreate=True)
    env = {
        **os.environ,
        "DATABASE_URL": ensure_app_role(owner),
        "DATABASE_OWNER_URL": owner,
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "staff.xlsx"
        path.write_bytes(staff_xlsx(args.rows))
        print(f"{args.rows} rows, {path.stat().st_size / 1024:.0f} KiB xlsx")
        for label, extra in (("check only (--dry-run)", ["--dry-run"]), ("import", [])):
            t0 = time.monotonic()
            out = subprocess.run(
                [*flask, "staff", "import", str(path), "--office", "तह-सद", *extra,
                 *([] if extra else ["--slips", str(Path(tmp) / "slips.pdf")])],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.monotonic() - t0
            print(
                f"{label}: {seconds:.1f} s (whole command) — {out.stdout.strip().splitlines()[-1]}"
            )


if __name__ == "__main__":
    main()
