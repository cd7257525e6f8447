"""Does our code stay on the public API of the libraries it uses (docs/engineering.md §5: public API only)?

A private module (``openpyxl.cell._writer``), a private attribute (``ws._cells``, ``cell._style``)
or a library method patched at run time (``ws.merge_cells = ...``) breaks on the next release.
These tests read the source of kpi/, bench/ and app.py with ``ast`` and list every such use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"kpi", "bench", "app", "tests"}  # top-level packages whose private parts are our own
# Names that start with "_" but are documented API: namedtuple's methods (Python docs,
# collections.namedtuple) and werkzeug's LocalProxy._get_current_object (Flask docs, "Notes On Proxies").
DOCUMENTED = {"_asdict", "_field_defaults", "_fields", "_make", "_replace", "_get_current_object"}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def sources() -> list[Path]:
    return sorted([*(ROOT / "kpi").rglob("*.py"), *(ROOT / "bench").rglob("*.py"), ROOT / "app.py"])


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Finder(ast.NodeVisitor):
    """Every private import, private attribute and patched method of one module."""

    def __init__(self, tree: ast.Module):
        self.found: list[tuple[int, str]] = []
        self.ours = {"self", "cls"}  # names bound to our own modules (``from kpi.x import y``)
        # Functions a bare name can refer to (module-level and nested ones), and methods (``self.name``).
        self.functions, self.methods = set(), set()
        scopes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        for parent in (node for node in ast.walk(tree) if isinstance(node, scopes)):
            for node in parent.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    (self.methods if isinstance(parent, ast.ClassDef) else self.functions).add(node.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.ours |= {(a.asname or a.name).split(".")[0] for a in node.names if _our_module(a.name)}
            elif isinstance(node, ast.ImportFrom) and (node.level or _our_module(node.module or "")):
                self.ours |= {a.asname or a.name for a in node.names}

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _our_module(alias.name) and any(map(private, alias.name.split("."))):
                self.found.append((node.lineno, f"import {alias.name}"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or _our_module(module) or module == "__future__":
            return
        names = [alias.name for alias in node.names]
        if any(map(private, module.split("."))) or any(map(private, names)):
            self.found.append((node.lineno, f"from {module} import {', '.join(names)}"))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if private(node.attr) and node.attr not in DOCUMENTED and not self._our_base(node.value):
            self.found.append((node.lineno, f"{ast.unparse(node.value)}.{node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
            target, name = node.args[:2]
            if (
                isinstance(name, ast.Constant)
                and isinstance(name.value, str)
                and private(name.value)
                and not self._our_base(target)
            ):
                self.found.append((node.lineno, f"{node.func.id}({ast.unparse(target)}, {name.value!r})"))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # ``obj.method = function`` on an object that is not ours patches a library method.
        if self._a_function(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and not self._our_base(target.value):
                    self.found.append((node.lineno, f"{ast.unparse(target)} = {ast.unparse(node.value)}"))
        self.generic_visit(node)

    def _our_base(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self.ours

    def _a_function(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Lambda):
            return True
        if isinstance(node, ast.Name):
            return node.id in self.functions
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
            and node.attr in self.methods
        )


def _our_module(name: str) -> bool:
    return name.split(".")[0] in OURS


def uses(source: str) -> list[tuple[int, str]]:
    finder = Finder(tree := ast.parse(source))
    finder.visit(tree)
    return finder.found


def test_no_module_reaches_into_a_librarys_private_parts():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sources()
        for line, what in uses(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "from openpyxl.cell._writer import write_cell",
        "import openpyxl.worksheet._writer",
        "from openpyxl.styles import _private_helper",
        "ws._cells.get((1, 1))",
        "cell._style = array",
        "n = len(wb._borders)",
        "getattr(ws, '_images')",
        "import sys\nsys._getframe()",
        "ws._get_writer = lambda: None",
        "def merge(): pass\nws.merge_cells = merge",
        "class Sheet:\n    def merge_cells(self): pass\n    def __init__(self, ws):\n        ws.merge_cells = self.merge_cells",
    ],
)
def test_the_scan_finds_each_kind_of_private_use(source):
    assert uses(source)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "from kpi.domain._target_dates import find_date",
        "from bench import http_load\nhttp_load._keep(1, 2)",
        "self._rows = []\nself._rows.append(1)",
        "row._replace(value=1)",
        "app = current_app._get_current_object()",
        "cell.value = value\ncell.__class__",
        "ws.title = name",
    ],
)
def test_the_scan_leaves_our_own_private_names_and_documented_ones_alone(source):
    assert uses(source) == []
