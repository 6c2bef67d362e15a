"""Which package may import which: code is grouped by the process that loads it, around a pure
core. Modelled on Rasa's tests/shared/test_shared.py, which keeps rasa/shared independent.

    core/         imports no other package of ours, and no Rasa, Sanic, web or database library
    rasa_addons/  (the Rasa server) core only
    actions/      (the action server) core only
    webapp/       (the web server, its own environment) core only, never Rasa
    tools/, bench/  anything: they drive the others
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT

OURS = {"core", "rasa_addons", "actions", "webapp", "tools", "bench", "tests"}
SERVER_LIBRARIES = {"rasa", "rasa_sdk", "sanic", "aiohttp", "socketio", "engineio", "sqlalchemy"}
# Not imported by core itself; spaCy's thinc loads TensorFlow when it is installed.
HEAVY_LIBRARIES = {"jinja2", "tensorflow"}
ALLOWED = {
    "core": {"core"},
    "rasa_addons": {"core", "rasa_addons"},
    "actions": {"core", "actions"},
    "webapp": {"core", "webapp"},
}
FORBIDDEN_LIBRARIES = {
    "core": SERVER_LIBRARIES | HEAVY_LIBRARIES,
    "webapp": {"rasa", "rasa_sdk", "sanic", "tensorflow"},
    "actions": {"rasa"},  # the action server runs on rasa_sdk alone
}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, anywhere in it (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imports_by_module(package: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(PROJECT_ROOT)): imported_packages(path)
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_inward(package):
    wrong = {
        module: sorted((found & OURS) - ALLOWED[package])
        + sorted(found & FORBIDDEN_LIBRARIES.get(package, set()))
        for module, found in imports_by_module(package).items()
    }
    assert not {module: names for module, names in wrong.items() if names}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from rasa_addons.nlg import x\n    import sanic.response\n")
    assert imported_packages(module) == {"rasa_addons", "sanic"}


def test_importing_the_core_loads_no_server_library():
    """What a module imports at run time, not only what it says: all of core, in a clean process."""
    modules = [
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted((PROJECT_ROOT / "core").rglob("*.py"))
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"loaded = {{m.split('.')[0] for m in sys.modules}}\n"
        f"print(sorted(loaded & set({sorted(SERVER_LIBRARIES | OURS - {'core'})!r})))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_action_servers_core_imports_load_no_language_model_library():
    """The action server reads the scope and the question parts (core.retrieval.decide); spaCy and
    TensorFlow loaded there cost it about 400 MB (489 against 80 MB when they were imported)."""
    script = (
        "import sys\n"
        "import core.retrieval.decide, core.retrieval.questions, core.retrieval.scope\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'tensorflow', 'thinc'}))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
