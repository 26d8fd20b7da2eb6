"""Reading a staff list (CSV or XLSX) into rows of text, in a child process with CPU, memory and
time limits: a crafted file that is cheap to send — one 5 MB shared string referenced 10,000
times, a CSV line of a million columns — is refused there and never holds a gunicorn worker.

No app imports here: the child starts in a fraction of a second. `python -m
eoffice.admin.tables FILE` prints {"ok": true, "rows": …} or {"ok": false, "error": code}.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

#: the most rows one file may have (a district's whole staff fits many times over)
MAX_ROWS = 10_000
#: an XLSX is a zip: refuse one that unpacks to more than this (a zip bomb is tiny packed)
MAX_UNPACKED = 60 * 1024 * 1024
MAX_COLUMNS = 30
#: cells are cut to this many characters as they are read (the row's own check then says "too
#: long"), and a file whose cells add up to more than MAX_TEXT is refused: 10,000 rows of a
#: real staff list are about 2 million characters
MAX_CELL = 1_000
MAX_TEXT = 8_000_000
#: nor any line of a CSV (30 columns of MAX_CELL, and some room)
MAX_LINE = 40_000
#: the child's limits: well under gunicorn's 60 s
CPU_SECONDS, MEMORY_MB, WALL_SECONDS = 10, 768, 15


class TableError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def read_rows(data: bytes) -> list[list[str]]:
    """The file's rows, cut to MAX_COLUMNS (+1 for the legacy mark). Raises TableError."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[str]]:
    legacy = False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows: a code page without Devanagari (Hindi became "?")
        text, legacy = data.decode("cp1252", errors="replace"), True
    # before parsing: a line of a million columns would be a million-field list first
    if max((len(line) for line in text.splitlines()), default=0) > MAX_LINE:
        raise TableError("too_large")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise TableError("malformed") from e
    rows = [[c[: MAX_CELL + 1] for c in r[: MAX_COLUMNS + 1]] for r in rows]
    if sum(len(c) for r in rows for c in r) > MAX_TEXT:
        raise TableError("too_large")
    if legacy:  # mark every row so that the check can say what happened
        rows = [[*r[:MAX_COLUMNS], "\x00legacy"] for r in rows]
    return [r[: MAX_COLUMNS + 1] for r in rows]


def _read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                raise TableError("too_large")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except TableError:
        raise
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign zip
        raise TableError("malformed") from e
    try:
        sheet = book.worksheets[0]
        rows, total = [], 0
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            cells = ["" if v is None else _cell(v)[: MAX_CELL + 1] for v in row]
            total += sum(len(c) for c in cells)
            if total > MAX_TEXT:  # one shared string of megabytes, used again and again
                raise TableError("too_large")
            rows.append(cells)
            if len(rows) > MAX_ROWS + 50:
                break
        return rows
    except TableError:
        raise
    except Exception as e:
        raise TableError("malformed") from e
    finally:
        book.close()


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a mobile or Aadhaar typed as a number: 9415012345.0
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def read_limited(data: bytes) -> list[list[str]]:
    """`read_rows` in a child process with CPU, memory and time limits. Raises TableError;
    a child killed by a limit is 'too_large'."""
    import os

    from eoffice.documents.sanitise import child_limits

    with tempfile.TemporaryDirectory(prefix="eoffice-table-") as tmp:
        path = Path(tmp) / "table"
        path.write_bytes(data)
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "eoffice.admin.tables", str(path)],
                capture_output=True,
                timeout=WALL_SECONDS,
                preexec_fn=child_limits(CPU_SECONDS, MEMORY_MB),
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            )
        except subprocess.TimeoutExpired:
            raise TableError("too_large") from None
    try:
        result = json.loads(proc.stdout.decode())
    except ValueError:
        raise TableError("too_large") from None  # killed by a limit, or crashed
    if not result["ok"]:
        raise TableError(result["error"])
    return result["rows"]


def main(path: str) -> None:
    try:
        out: dict[str, Any] = {"ok": True, "rows": read_rows(Path(path).read_bytes())}
    except TableError as e:
        out = {"ok": False, "error": e.code}
    except MemoryError:
        out = {"ok": False, "error": "too_large"}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
