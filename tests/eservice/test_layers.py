"""Dependencies run one way: domain apps use workers/ (queueing, outbox, PDFs), never the other way round, and
each app's Celery tasks live in its own ``tasks.py``, imported by no other app."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DOMAIN_APPS = ("identity", "applications", "payments", "decisions")


def _modules(folder: str) -> list[Path]:
    return [path for path in (BASE_DIR / folder).rglob("*.py") if "migrations" not in path.parts]


def _runtime_imports(path: Path) -> list[str]:
    """Modules imported by ``path``, anywhere in it (functions too), except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    type_checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    names = []
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_workers_imports_no_domain_app():
    offending = [
        f"{path.relative_to(BASE_DIR)}: {name}"
        for path in _modules("workers")
        for name in _runtime_imports(path)
        if name.split(".")[0] in DOMAIN_APPS
    ]
    assert offending == []


def test_no_app_imports_another_apps_tasks():
    offending = []
    for app in (*DOMAIN_APPS, "workers", "eservice"):
        for path in _modules(app):
            for name in _runtime_imports(path):
                parts = name.split(".")
                if "tasks" in parts[1:] and parts[0] != app:
                    offending.append(f"{path.relative_to(BASE_DIR)}: {name}")
    assert offending == []


def test_domain_tasks_live_beside_their_services():
    assert sorted(path.name for path in (BASE_DIR / "workers" / "tasks").glob("*.py")) == [
        "__init__.py",
        "email.py",
        "maintenance.py",
    ]
    for app in ("applications", "payments", "identity"):
        assert (BASE_DIR / app / "tasks.py").is_file(), app
