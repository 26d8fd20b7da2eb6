"""Photo benchmark: a 12-megapixel phone photo of a Hindi letter (tests/samples.py, 2–4 MB)
diarised end to end in Debian's Chromium on emulated 2G (250/50 kbit/s, 300 ms): from the click
on "पंजीकृत करें" to the receipt page, with the photo shrunk in the browser (static/js/upload.js).
Prints the bytes sent and the time against the budget (≤ 30 s); writes bench/results/photo-*.json.
`--no-js` measures the same without JavaScript (the original goes up), for comparison.

    python bench/photo.py [--runs 3] [--no-js]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PASSWORD, ROOT, gunicorn, save, verdict  # noqa: E402
from bench.pages import ARGS, throttle  # noqa: E402
from eoffice.platform.database import embedded_server_uri, ensure_database  # noqa: E402
from tests.samples import letter_photo_12mp  # noqa: E402

BUDGET_S = 30.0
USER = "clerk.arms"


def demo_db() -> str:
    """A database with only the demo office (made once, kept)."""
    server = os.environ.get("BENCH_DATABASE_URL") or embedded_server_uri(
        ROOT / "instance" / "pgdata"
    )
    url = ensure_database(server, "eoffice_bench_photo")
    env = {**os.environ, "DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return url


def one_run(browser, base: str, photo: Path, javascript: bool) -> dict:
    ctx = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 360, "height": 740}
    )
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("#login_id", USER)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(base + "/")
    posts = []  # sizes are read after the navigation, not inside the event handler
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.goto(base + "/receipts/new")
    page.fill("#sender_name", "रमेश चंद्र")
    page.fill("#subject", "शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र")
    page.set_input_files("#scan", str(photo))
    throttle(ctx.new_cdp_session(page), "2g")
    t0 = time.monotonic()
    page.click("button.primary", no_wait_after=True)
    page.wait_for_url(re.compile(r"/receipts/\d+$"), timeout=900_000)
    page.locator("h1").wait_for()
    seconds = time.monotonic() - t0
    diarise = [r for r in posts if r.url.endswith("/receipts/new")]
    sent = int(diarise[-1].header_value("content-length") or 0) if diarise else None
    ctx.close()
    return {"seconds": round(seconds, 2), "bytes_sent": sent}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-js", action="store_true", help="without JavaScript: the original goes")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    url = demo_db()
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "IMG_20261202_101500.jpg"
        photo.write_bytes(letter_photo_12mp())
        size = photo.stat().st_size
        runs = []
        with (
            gunicorn(url) as base,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=ARGS
            )
            for _ in range(args.runs):
                runs.append(one_run(browser, base, photo, not args.no_js))
            browser.close()
    median = statistics.median(r["seconds"] for r in runs)
    sent = statistics.median(r["bytes_sent"] or 0 for r in runs)
    mode = "no JavaScript" if args.no_js else "shrunk in the browser"
    print(f"photo: 3000×4000 JPEG, {size / 1024:.0f} KiB; {mode}; 2G 250/50 kbit/s, 300 ms")
    print(
        f"  sent {sent / 1024:.0f} KiB (median of {len(runs)}): {[r['bytes_sent'] for r in runs]}"
    )
    print(
        f"  diarised in {median:.1f} s (median; runs {[r['seconds'] for r in runs]}), "
        f"budget ≤ {BUDGET_S:.0f} s: {verdict(median, BUDGET_S)}"
    )
    path = save(
        "photo",
        {
            "photo_bytes": size,
            "javascript": not args.no_js,
            "profile": "2g",
            "runs": runs,
            "median_seconds": median,
            "median_bytes_sent": sent,
            "budget_seconds": BUDGET_S,
        },
    )
    print(f"  results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
