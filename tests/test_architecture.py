"""The architecture rules of the style guide, checked by reading the source."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lower layers first: a module may import only its own layer and the ones before it.
LAYERS = [
    "csam.audit",
    "identity",
    "governance",
    "companies",
    "mandates",
    "csam.authz",
    "csam.oidc",
]
TOP = {"csam.demo", "csam.urls", "csam.views", "csam.api", "csam.settings"}
PUBLIC_MODULES = {
    "services",
    "selectors",
    "models",
    "numbers",
    "assurance",
    "exceptions",
    "permissions",
    "decorators",
}


def _layer(module: str) -> str | None:
    for layer in LAYERS:
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _app_files() -> list[Path]:
    files = []
    for layer in LAYERS:
        folder = ROOT / layer.replace(".", "/")
        files += [p for p in folder.rglob("*.py") if "migrations" not in p.parts]
    return files


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text())
    found: list[tuple[str, bool]] = []
    top_level = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top_level))
    return found


@pytest.mark.parametrize("path", _app_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_one_way(path):
    own = _layer(_module_name(path))
    assert own is not None
    for module, at_top in _imports(path):
        target = _layer(module)
        if target is None or target == own:
            continue
        # A lower app never imports a higher app at module level.
        if at_top:
            assert LAYERS.index(target) < LAYERS.index(own), f"{path}: imports {module}"
        # Other apps are used only through their public modules.
        last = module.split(".")[-1] if module != target else ""
        # csam.oidc (the top) also reads the engine's service decisions and attribute answers.
        authz_public = {"context", "actions", "engine", "decisions", "representatives"}
        assert module == target or last in PUBLIC_MODULES | authz_public, (
            f"{path}: imports {module}, which is not a public module of {target}"
        )


def _python_files() -> list[Path]:
    skip = {".venv", "node_modules", "tests", "migrations"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_has_perm_only_in_authz():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _python_files()
        if ".has_perm(" in p.read_text() and "csam/authz" not in str(p)
    ]
    assert offenders == []


def test_guardian_shortcuts_only_in_authz():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _python_files()
        if "guardian.shortcuts" in p.read_text() and "csam/authz" not in str(p)
    ]
    assert offenders == []


def test_no_unscoped_queries_in_apis_and_views():
    pattern = re.compile(r"\.objects\.(all|filter)\(")
    offenders = [
        str(p.relative_to(ROOT))
        for p in _python_files()
        # An apis or views module, or any module of such a package.
        if ({p.name, p.parent.name + ".py"} & {"apis.py", "views.py"})
        and pattern.search(p.read_text())
    ]
    assert offenders == []


def test_architecture_test_sees_the_apps():
    # Guard against a test that passes because it reads nothing.
    assert len(_app_files()) > 20
