"""How the imports of eoffice/ run (docs/architecture.md): every import of our own modules,
those inside functions included (those under `if TYPE_CHECKING:` do not run and are left out),
how many run against the documented order of layers and domains, and which units (a layer, a
domain's core, a domain's pages) import each other round in a cycle. tests/test_imports.py
holds the code to it.

    python3 scripts/import_check.py [eoffice] [-v]      # -v lists the imports against the order
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

LAYERS = ["platform", "policy", "web"]  # each may import the ones before it
DOMAINS = ["org", "auth", "documents", "receipts", "files", "movement", "signing", "dispatch", "mailroom",
           "citizens", "search", "tasks", "records", "reports", "admin", "core"]  # fmt: skip


def is_page(module: str) -> bool:
    """A domain's pages: its views modules (`views`, `letter_views`, …)."""
    return module.rsplit(".", 1)[-1].endswith("views")


def unit(module: str) -> tuple[int, str]:
    """(rank in the order, the unit's name): an import may only go to a lower rank, or within
    its own unit. A domain is two units: its core (models, services, forms, jobs) and its pages
    (views); every domain's pages rank above every domain's core."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "eoffice"
    if top in LAYERS:
        return LAYERS.index(top), top
    if top in DOMAINS:
        if is_page(module):
            return 30 + DOMAINS.index(top), top + ".views"
        return 10 + DOMAINS.index(top), top
    if top == "ops":  # backup, PITR, the scheduled jobs: over every domain's tables
        return 25, top
    if top == "demo":  # the demo office and the benchmark district: seeded through the domains
        return 48, top
    return 50, top  # the app: create_app, cli, nav


def imports(root: Path):
    """(importing module, imported module, line, inside a function) for every import."""
    paths = [p for p in sorted(root.rglob("*.py")) if "migrations" not in p.parts]
    names = {_name(root, p) for p in paths}
    for path in paths:
        tree = ast.parse(path.read_text())
        yield from _walk(tree, _name(root, path), path.name == "__init__.py", False, names)


def _name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _walk(node, me: str, is_package: bool, in_function: bool, names: set[str]):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        for target in _targets(child, me, is_package, names):
            if target.startswith("eoffice"):
                yield me, target, child.lineno, in_function
        yield from _walk(child, me, is_package, inner, names)


def _targets(node, me: str, is_package: bool, names: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = me.split(".") if is_package else me.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    # `from eoffice.files import views` imports the module eoffice.files.views
    found = {f"{module}.{a.name}" if f"{module}.{a.name}" in names else module for a in node.names}
    return sorted(found)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that import each other round (Tarjan's strongly connected
    components of more than one package)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def analyse(root: Path):
    """(every import, those against the order, the cycles between units)."""
    rows = list(imports(root))
    against = [r for r in rows if unit(r[1])[0] > unit(r[0])[0] and unit(r[1]) != unit(r[0])]
    edges: dict[str, set[str]] = defaultdict(set)
    for me, target, _, _ in rows:
        a, b = unit(me)[1], unit(target)[1]
        if a != b:
            edges[a].add(b)
    return rows, against, cycles(edges)


def main(argv: list[str]) -> None:
    root = Path(next((a for a in argv if not a.startswith("-")), "eoffice"))
    rows, against, groups = analyse(root)
    print(
        f"imports {len(rows)}, inside functions {sum(r[3] for r in rows)}, "
        f"against the order {len(against)}, packages in a cycle "
        f"{max((len(g) for g in groups), default=0)}"
    )
    for g in groups:
        print("  cycle:", " ".join(g))
    if "-v" in argv:
        for me, target, line, _ in against:
            print(f"  {me}:{line} -> {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
