"""The package's shape: no import circle, no use of another module's private names, small files,
and the upper layers in one direction (runs -> presentation -> command line and API).

The import graph is read from the source with ``ast``: every ``import`` and ``from ... import``
of a ``sim`` module, at module level or inside a function (both run sooner or later), except
those under ``if TYPE_CHECKING:``, which never run. Importing ``sim.a.b`` also runs the packages
``sim`` and ``sim.a``, so those are edges too.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MAX_LINES = 600
ROOT = Path(__file__).resolve().parents[1]
#: The upper layers, lowest first: a module may import its own layer and the ones below it.
#: Everything below the runs (scenario, town, kernels, model) counts as one layer here.
LAYERS = ("sim.runs", "sim.present", ("sim.cli", "sim.api", "sim.__main__"))


# ------------------------------------------------------------------------------- reading
@dataclass
class Module:
    """One module of the package: its file, what it imports, where it uses private names."""

    name: str
    path: Path
    imports: dict[str, int] = field(default_factory=dict)  # module -> first line
    private: list[tuple[int, str]] = field(default_factory=list)  # (line, what)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class _Reader(ast.NodeVisitor):
    """Collect a module's imports of ``sim`` modules and its uses of private names: of other
    sim modules, and of objects (anything but ``self``, ``cls`` and modules outside sim)."""

    def __init__(self, module: Module, known: set[str], package: str) -> None:
        self.module, self.known, self.package = module, known, package
        self.bound: dict[str, str] = {}  # local name -> the sim module it is bound to
        self.external: set[str] = set()  # local names of modules outside sim

    def _depend(self, target: str, line: int) -> None:
        parts = target.split(".")
        for n in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
            name = ".".join(parts[:n])
            if name in self.known and name != self.module.name:
                self.module.imports.setdefault(name, line)

    def visit_If(self, node: ast.If) -> None:
        if _type_checking(node.test):  # never runs: only the else branch counts
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not (alias.name == "sim" or alias.name.startswith("sim.")):
                self.external.add(alias.asname or alias.name.split(".")[0])
            else:
                self._depend(alias.name, node.lineno)
                if alias.asname:
                    self.bound[alias.asname] = alias.name
                else:
                    self.bound[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from the module's own package upwards
            up = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            base = ".".join([*up, *([base] if base else [])])
        if not (base == "sim" or base.startswith("sim.")):
            self.external.update(a.asname or a.name for a in node.names)
            return
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._depend(sub if sub in self.known else base, node.lineno)
            if sub in self.known:
                self.bound[alias.asname or alias.name] = sub
            elif _private(alias.name):
                self.module.private.append(
                    (node.lineno, f"from {base} import {alias.name}"))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # mod._name, or sim.pkg.mod._name, on a name bound to a sim module
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        root = value.id if isinstance(value, ast.Name) else None
        own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        if _private(node.attr) and not (own or root in self.bound or root in self.external):
            # an object's private attribute: obj._name (model._close_shop, scenario._source)
            self.module.private.append((node.lineno, ast.unparse(node)))
        if root in self.bound:
            dotted = [self.bound[value.id], *reversed(chain)]
            target = dotted[0]
            for part in dotted[1:]:
                if _private(part) and target in self.known:
                    self.module.private.append((node.lineno, f"{target}.{part}"))
                    break
                target = f"{target}.{part}"
                if target not in self.known:
                    break
        self.generic_visit(node)


def read_package(root: Path, package: str = "sim") -> dict[str, Module]:
    """Every module of ``package`` below ``root``, with its imports and private uses."""
    paths = sorted((root / package).rglob("*.py"))
    modules = {module_name(p, root): Module(module_name(p, root), p) for p in paths}
    known = set(modules)
    for module in modules.values():
        is_package = module.path.name == "__init__.py"
        pkg = module.name if is_package else module.name.rpartition(".")[0]
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        _Reader(module, known, pkg).visit(tree)
    return modules


def find_cycle(modules: dict[str, Module]) -> list[str] | None:
    """One import circle as ``[a, b, ..., a]``, or None if the graph has none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for dep in sorted(modules[name].imports):
            if state.get(dep) == 1:
                return [*path[path.index(dep):], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        path.pop()
        state[name] = 2
        return None

    for name in sorted(modules):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def layer_of(name: str) -> int:
    """0 below the runs, then the index in :data:`LAYERS` plus one."""
    for i, layer in enumerate(LAYERS):
        for prefix in (layer,) if isinstance(layer, str) else layer:
            if name == prefix or name.startswith(prefix + "."):
                return i + 1
    return 0


def relative(module: Module) -> str:
    return module.path.relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return read_package(ROOT)


# ----------------------------------------------------------------------------- the rules
def test_no_import_circle(modules):
    cycle = find_cycle(modules)
    if cycle is not None:
        steps = [f"{a} -> {b} ({relative(modules[a])}:{modules[a].imports[b]})"
                 for a, b in itertools.pairwise(cycle)]
        pytest.fail("import circle: " + "; ".join(steps))


def test_no_module_uses_another_modules_private_names(modules):
    found = [f"{relative(m)}:{line}: {what}" for m in modules.values()
             for line, what in m.private]
    assert found == [], "private names of other modules:\n" + "\n".join(found)


def test_no_file_over_600_lines():
    long = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        name = path.relative_to(ROOT).as_posix()
        if n > MAX_LINES:
            long.append(f"{name}: {n} lines")
    assert long == [], f"files over {MAX_LINES} lines (split them by job):\n" + "\n".join(long)


def test_upper_layers_import_downwards_only(modules):
    """runs -> presentation -> command line and API: the runs compute tables and never draw."""
    wrong = [f"{relative(m)}:{line}: {m.name} imports {dep}"
             for m in modules.values() for dep, line in m.imports.items()
             if layer_of(dep) > layer_of(m.name)]
    assert wrong == [], "imports against the flow of data:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ the checks can fail
def test_the_checks_find_what_they_look_for(tmp_path):
    """A toy package with a circle through a function-level import, a private import, a
    private attribute of an imported module and an import that only type checkers see."""
    pkg = tmp_path / "sim"
    (pkg / "runs").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "runs" / "__init__.py").write_text("")
    (pkg / "runs" / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sim.present import c\n"
        "def f():\n    from sim.runs import b\n    return b.g()\n")
    (pkg / "runs" / "b.py").write_text(
        "import sim.runs.a as a\nfrom sim.runs.a import _hidden\n"
        "def g():\n    return a._helper()\n")
    (pkg / "present.py").write_text("import sim.runs.b\nx = sim.runs.b._secret\n"
                                    "def h(model):\n    return model._close_shop(1)\n"
                                    "class K:\n    def k(self):\n"
                                    "        return self._own + self.model._other\n")
    (pkg / "c.py").write_text("from sim import present\n")
    found = read_package(tmp_path)
    assert found["sim.runs.a"].imports == {"sim": 5, "sim.runs": 5, "sim.runs.b": 5}
    cycle = find_cycle(found)
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["sim.runs.a", "sim.runs.b"]
    del found["sim.runs.a"].imports["sim.runs.b"]  # without the function-level import: none
    assert find_cycle(found) is None
    assert found["sim.runs.b"].private == [(2, "from sim.runs.a import _hidden"),
                                           (4, "sim.runs.a._helper")]
    assert found["sim.present"].private == [(2, "sim.runs.b._secret"),
                                            (4, "model._close_shop"),
                                            (7, "self.model._other")]
    assert layer_of("sim.c") == 0 and layer_of("sim.runs.b") == 1 < layer_of("sim.present")
    assert layer_of("sim.cli") == 3
