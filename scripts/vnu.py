"""The Nu HTML Checker (vnu.jar, the W3C validator's engine), fetched once from the npm
registry's vnu-jar package and checked against its published SHA-512; run with Debian's Java.

    python scripts/vnu.py            print the jar's path (fetching it into instance/tools/)
    python scripts/vnu.py FILE...    validate HTML files; print each error; exit 1 on any

npm itself is not needed: the package is a tarball, and the jar is inside it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "26.9.27"
TARBALL = f"https://registry.npmjs.org/vnu-jar/-/vnu-jar-{VERSION}.tgz"
INTEGRITY = "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA=="
JAR = Path(__file__).resolve().parent.parent / "instance" / "tools" / f"vnu-{VERSION}.jar"


def jar() -> Path:
    if JAR.exists():
        return JAR
    with urllib.request.urlopen(TARBALL, timeout=120) as resp:
        data = resp.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"vnu-jar {VERSION}: the download does not match its SHA-512")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("package/build/dist/vnu.jar")
        JAR.parent.mkdir(parents=True, exist_ok=True)
        part = JAR.with_suffix(".part")
        part.write_bytes(member.read())
        part.replace(JAR)
    return JAR


def validate(paths: list[str]) -> list[dict]:
    """The checker's errors (and fatal errors) for the files, in one run of the JVM."""
    out = subprocess.run(
        ["java", "-jar", str(jar()), "--format", "json", "--stdout", "--errors-only", *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(out.stdout or "{}").get("messages", [])
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


if __name__ == "__main__":
    if len(sys.argv) == 1:
        print(jar())
        sys.exit(0)
    errors = validate(sys.argv[1:])
    for m in errors:
        print(f"{m.get('url', '')}:{m.get('lastLine', '')}: {m.get('message', '')}")
    sys.exit(1 if errors else 0)
