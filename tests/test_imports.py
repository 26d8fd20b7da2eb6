"""Imports run one way (docs/architecture.md): platform → policy → web → the domains' cores in
their order → operations → the domains' pages → the app. Checked with `ast` over eoffice/,
imports inside functions included, by scripts/import_check.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_check", ROOT / "scripts/import_check.py")
import_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_check)

#: (importing module, imported module) → why it may run against the order. At most five lines,
#: and it only shrinks: a line no longer needed fails the test until it is taken out.
ALLOWED: dict[tuple[str, str], str] = {}


def test_imports_run_one_way():
    rows, against, groups = import_check.analyse(ROOT / "eoffice")
    assert len(rows) > 500  # the walk found the code
    assert groups == [], f"units importing each other round: {groups}"
    wrong = [f"{me}:{line} -> {target}" for me, target, line, _ in against
             if (me, target) not in ALLOWED]  # fmt: skip
    assert wrong == [], "imports against the order (docs/architecture.md):\n" + "\n".join(wrong)
    assert len(ALLOWED) <= 5
    stale = [key for key in ALLOWED if not any((r[0], r[1]) == key for r in against)]
    assert stale == [], f"allowed but no longer needed, take them out: {stale}"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "eoffice" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(tmp_path).parents:
            if parent.name:
                (tmp_path / parent / "__init__.py").touch()
        path.write_text(text)
    return tmp_path / "eoffice"


def test_the_check_finds_an_import_against_the_order_and_a_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            # the platform reaching up into a domain, hidden in a function
            "platform/storage.py": "def uses():\n    from eoffice.files.models import Letter\n",
            "files/models.py": "from eoffice.platform import storage\n",
            # a domain's core importing a later domain's core
            "org/services.py": "from eoffice.reports.services import scope\n",
            # pages that import each other round
            "files/views.py": "from eoffice.receipts.views import x\n",
            "receipts/views.py": "from eoffice.files import views\n",
            # not run: left out
            "web/htmx.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from eoffice.files.models import File\n",
        },
    )
    _rows, against, groups = import_check.analyse(root)
    found = {(me, target) for me, target, _, _ in against}
    assert ("eoffice.platform.storage", "eoffice.files.models") in found
    assert ("eoffice.org.services", "eoffice.reports.services") in found
    assert ("eoffice.receipts.views", "eoffice.files.views") in found
    assert not any(me == "eoffice.web.htmx" for me, _ in found)
    assert ["files", "platform"] in groups
    assert ["files.views", "receipts.views"] in groups
