"""The package's layout: imports go one way through the layers, no cycles, small modules and functions.

The layers, in the order data flows through them (a module may import its own layer and those before it):
base (errors, files, commands) -> spec -> train -> store -> run -> analysis -> claims -> report -> cli and data.
Every `import` statement counts, also those inside functions: a lazy import is still a dependency.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "study"
LAYERS = ["base", "spec", "train", "store", "run", "analysis", "claims", "report", "cli"]
BASE = {"study", "study.errors", "study.files", "study.commands"}
TOP = {"study.data": "cli", "study.__main__": "cli"}
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    if name in BASE:
        return "base"
    if name in TOP:
        return TOP[name]
    return name.split(".")[1]


def imports(path: Path) -> set[str]:
    """The study modules a file imports (`from study.x import y` counts y when it is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("study")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("study") and not node.level:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            found |= submodules
            if len(submodules) < len(node.names):  # names defined in the module (or package) itself
                found.add(node.module)
    return {name for name in found if name in MODULES}


GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def test_every_module_has_a_layer():
    assert {layer(m) for m in MODULES} <= set(LAYERS)


def test_imports_only_go_down_the_flow():
    upward = [
        f"{m} ({layer(m)}) imports {d} ({layer(d)})"
        for m, deps in GRAPH.items()
        for d in sorted(deps)
        if LAYERS.index(layer(d)) > LAYERS.index(layer(m)) and d != "study"
    ]
    assert not upward, "\n".join(upward)


def test_the_import_graph_has_no_cycle():
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(GRAPH[node]):
            if dep == "study" or node == "study":
                continue  # the package's __init__ imports nothing of the study
            if state.get(dep) == "open":
                cycles.append(" -> ".join(path[path.index(dep) :] + [dep]) if dep in path else f"{node} -> {dep}")
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_a_negative_control_cycle_is_found():
    """The cycle check itself: a made-up graph with a cycle fails it."""
    global GRAPH
    saved = GRAPH
    GRAPH = {**saved, "study.spec.config": saved["study.spec.config"] | {"study.spec.grid"}}
    try:
        with pytest.raises(AssertionError, match="study.spec"):
            test_the_import_graph_has_no_cycle()
    finally:
        GRAPH = saved


def test_each_module_imports_alone():
    """Each module imported first, in a fresh interpreter: no import order hides a cycle."""
    code = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for m in [k for k in sys.modules if k.startswith('study')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    names = [m for m in MODULES if m != "study.__main__"]
    proc = subprocess.run([sys.executable, "-c", code, *names], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]


def test_modules_and_functions_are_small():
    too_long = []
    for name, path in MODULES.items():
        lines = path.read_text().count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert not too_long, "\n".join(too_long)


def test_the_documented_names_keep_their_old_import_paths():
    from study.analysis.selection import best_learning_rates
    from study.config import GroupSpec as old_spec
    from study.data import COLUMNS, METRICS, load_claims, load_metrics  # noqa: F401
    from study.grid import SETTINGS as old_settings
    from study.ledger import SCHEMA as old_schema
    from study.report.ledger import SCHEMA
    from study.selection import best_learning_rates as old_best
    from study.spec import GroupSpec
    from study.spec.grid import SETTINGS

    assert old_spec is GroupSpec and old_settings is SETTINGS and old_best is best_learning_rates
    assert old_schema is SCHEMA
