"""The direction of imports: GUI -> document -> engine/datasets, and no import circles.

Read statically from the source (every `import`, module-level or inside a function),
so a forbidden import fails here even on a code path no other test runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "datasets", "playground")
QT = ("PySide6", "pyqtgraph", "shiboken6")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import mod` imports pkg.mod when mod is a module of ours
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                known = name in MODULES
                out.append((name if known else node.module, id(node) in top))
    return out


MODULES = {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(source_prefix: str, forbidden: tuple[str, ...], *, lazy_ok=()) -> list[str]:
    bad = []
    for module, imports in IMPORTS.items():
        if not _within(module, source_prefix):
            continue
        for target, top_level in imports:
            if _within(target, *forbidden) and not (not top_level and _within(target, *lazy_ok)):
                bad.append(f"{module} imports {target}")
    return bad


def test_the_layout_has_the_expected_parts():
    for package in ("playground.cli", "playground.document", "playground.gui", "playground.app"):
        assert package in MODULES


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("engine", ("playground", "datasets", *QT)),
        ("datasets", ("playground", "engine", *QT)),
        ("playground.document", ("playground.gui", "playground.cli", "playground.app", *QT)),
        ("playground.gui", ("playground.cli",)),
    ],
)
def test_imports_point_one_way(layer, forbidden):
    assert _violations(layer, forbidden) == []


def test_the_command_line_imports_the_gui_only_to_launch_the_app():
    """`playground train` and `bench` must run without Qt: the app is imported lazily."""
    bad = _violations(
        "playground.cli", ("playground.gui", "playground.app", *QT), lazy_ok=("playground.app",)
    )
    assert bad == []


def test_no_import_circles():
    """Module-level imports between our modules form no cycle (Tarjan's algorithm)."""
    graph = {
        m: sorted({t for t, top in imps if top and t in MODULES and t != m})
        for m, imps in IMPORTS.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_every_package_is_in_the_wheel():
    """pyproject lists packages by hand: a new sub-package left out would be missing
    from an installed (non-editable) copy while every test here still passes."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed = set(
        re.findall(r'^\s*"([a-z_.]+)",$', text.split("packages = [", 1)[1].split("]")[0], re.M)
    )
    on_disk = {
        _module_name(init.parent / "x.py").rpartition(".")[0]
        for pkg in PACKAGES
        for init in (ROOT / pkg).rglob("__init__.py")
    }
    assert on_disk - listed == set()


WINDOW_API = {"capture_training", "restore_training", "training_failure", "latest_snapshot"}


def test_the_file_menu_uses_only_the_documents_methods_and_the_windows_runner_api():
    """file_actions.py reads no attribute of the main window besides its public runner
    methods (the data, network and views come from the document)."""
    tree = ast.parse(MODULES["playground.gui.file_actions"].read_text(encoding="utf-8"))

    def is_window(node) -> bool:  # self.w, or a local name for the window
        if isinstance(node, ast.Name):
            return node.id in ("w", "window", "main_window")
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "w"
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        )

    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and is_window(node.value)
    }
    assert used <= WINDOW_API, f"file_actions reads the window's {sorted(used - WINDOW_API)}"


MAX_LINES = 500


def test_no_module_is_over_500_lines():
    """One concept per module: a module past 500 lines holds more than one (split it)."""
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
