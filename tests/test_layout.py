"""The package's layers as docs/development.md draws them: no import climbs a layer, no cycle.

Every import of every module is read with ``ast`` (TYPE_CHECKING and function-level imports
too), resolved to the module it loads, and checked against the table of layers of
docs/development.md, read from the page itself so that the map and the check cannot drift.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "louvre_scraper"
MAP = ROOT / "docs" / "development.md"

# (importing module, imported package or module): known climbs, to delete as they go.
ALLOWED_CLIMBS: set[tuple[str, str]] = set()  # none today


def layers() -> dict[str, int]:
    """{top-level name under louvre_scraper/: its layer}, from the table in docs/development.md."""
    text = MAP.read_text(encoding="utf-8")
    table = text.split("<!-- layers:", 1)[1]
    found: dict[str, int] = {}
    for line in table.splitlines()[1:]:
        if not line.startswith("|"):
            if found:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not cells[0].isdigit():
            continue
        for name in re.findall(r"`([^`]+)`", cells[1]):
            found[name.rstrip("/")] = int(cells[0])
    return found


def modules(package: str = PACKAGE) -> dict[str, Path]:
    """{dotted name: file} of every module of *package*."""
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path], package: str = PACKAGE) -> set[str]:
    """The package's modules that *name* loads: the imported module, or the package whose
    attribute it is, with the packages above it (their ``__init__`` runs first)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for dotted in targets:
            module = dotted
            while module and module not in known:  # an attribute of a module: the module
                module = module.rpartition(".")[0]
            while module.startswith(package):  # the module, then each package above it
                if module != name:
                    found.add(module)
                module = module.rpartition(".")[0]
    found.discard(package)  # the package's __init__.py: a docstring (and a version)
    return found


def graph(package: str = PACKAGE) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imports(name, path, known, package) for name, path in known.items()}


def imported_roots(package: str) -> set[str]:
    """The top-level names every module of *package* imports (absolute imports)."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def allowed(module: str, target: str) -> bool:
    return any(
        module == who and (target == what or target.startswith(what + "."))
        for who, what in ALLOWED_CLIMBS
    )


def test_the_map_names_every_package_and_kernel_module() -> None:
    table = layers()
    tops = {top(name) for name in modules()} - {""}
    assert sorted(tops - set(table)) == [], "not on the map of docs/development.md"
    assert sorted(set(table) - tops) == [], "on the map, not in the package"
    assert table["errors"] == 0 and table["commands"] == max(table.values())


def test_no_module_imports_a_layer_above_its_own() -> None:
    table = layers()
    climbs = [
        f"{module} (layer {table[top(module)]}) imports {target} (layer {table[top(target)]})"
        for module, targets in sorted(graph().items())
        if top(module)
        for target in sorted(targets)
        if table[top(target)] > table[top(module)] and not allowed(module, target)
    ]
    assert climbs == [], "\n".join(climbs)


def cycles(edges: dict[str, set[str]]) -> list[str]:
    """Each import cycle of *edges*, as ``a → b → a``."""
    found = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append(" → ".join([*path[path.index(module) :], module]))
            return
        if module in done:
            return
        for target in sorted(edges.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(edges):
        visit(module, [])
    return found


def test_no_import_cycle() -> None:
    edges = {
        module: {target for target in targets if not allowed(module, target)}
        for module, targets in graph().items()
    }
    found = cycles(edges)
    assert found == [], "\n".join(found)


def package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The imports between top-level packages and kernel modules (none within one)."""
    out: dict[str, set[str]] = {}
    for module, targets in edges.items():
        if top(module):
            out.setdefault(top(module), set()).update(
                top(target) for target in targets if top(target) and top(target) != top(module)
            )
    return out


def test_no_import_cycle_between_packages() -> None:
    """Two packages on one layer may not import each other, even through distinct modules."""
    edges = {
        module: {target for target in targets if not allowed(module, target)}
        for module, targets in graph().items()
    }
    found = cycles(package_edges(edges))
    assert found == [], "\n".join(found)


def test_the_check_sees_what_it_checks(tmp_path: Path, monkeypatch) -> None:
    """The walk finds TYPE_CHECKING, function-level and relative imports."""
    known = {
        name: Path() for name in ("louvre_scraper.a", "louvre_scraper.b.c", "louvre_scraper.b")
    }
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from louvre_scraper.a import Thing\n"
        "def f():\n    from .b import c\n",
        encoding="utf-8",
    )
    assert imports("louvre_scraper.d", source, known) == {
        "louvre_scraper.a",
        "louvre_scraper.b",
        "louvre_scraper.b.c",
    }
    climb = ("louvre_scraper.extensions.x", "louvre_scraper.spiders")
    monkeypatch.setattr(sys.modules[__name__], "ALLOWED_CLIMBS", {climb})
    assert allowed("louvre_scraper.extensions.x", "louvre_scraper.spiders.louvre")
    assert not allowed("louvre_scraper.extensions.x", "louvre_scraper.spidersx")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a → b → c → a"]
    climb = ("louvre_scraper.extensions.x", "louvre_scraper.spiders")
    monkeypatch.setattr(sys.modules[__name__], "ALLOWED_CLIMBS", {climb})
    assert allowed("louvre_scraper.extensions.x", "louvre_scraper.spiders.louvre")
    assert not allowed("louvre_scraper.extensions.x", "louvre_scraper.spidersx")
    assert cycles({"a": {"b"}, "b": set()}) == []
    modules_only = {
        "louvre_scraper.p.x": {"louvre_scraper.e.y"},
        "louvre_scraper.e.z": {"louvre_scraper.p.w"},
    }
    assert cycles(modules_only) == []  # no module cycle, but a package one:
    assert cycles(package_edges(modules_only)) == ["e → p → e"]


def test_the_dev_tooling_stands_apart() -> None:
    """The package needs none of the dev tooling; the bench and the fake site need no test."""
    assert imported_roots(PACKAGE) & {"tests", "bench", "fakesite"} == set()
    assert "tests" not in imported_roots("bench")
    assert "tests" not in imported_roots("fakesite")


def test_the_fake_site_has_no_import_cycle() -> None:
    found = cycles(graph("fakesite"))
    assert found == [], "\n".join(found)
