"""The outbox and compose stay in their layers: checked on the source, without Django."""

import ast
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

PACKAGE = Path(__file__).resolve().parent.parent / "wagtail_crosspost"


def imported_modules(folder: str) -> dict[str, set[str]]:
    """Every module each file of ``folder`` imports (absolute names), at any level."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        here = ["wagtail_crosspost", folder]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
        found[path.name] = names
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{name} imports {module}"
        for name, modules in imported_modules(folder).items()
        for module in modules
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    )


def test_the_outbox_imports_no_admin_ui_and_no_connect_flow():
    forbidden = tuple(
        f"wagtail_crosspost.{name}" for name in ("views", "panels", "api_views", "auth", "forms")
    )
    assert offending("outbox", forbidden) == []


def test_the_old_task_path_still_names_the_task():
    """Messages queued before the move carry the old dotted path (django-tasks-db stores it)."""
    from wagtail_crosspost.outbox.tasks import deliver_publication

    assert import_string("wagtail_crosspost.tasks.deliver_publication") is deliver_publication


@pytest.mark.parametrize(
    "path", sorted(p for folder in ("outbox", "compose") for p in (PACKAGE / folder).glob("*.py"))
)
def test_no_outbox_or_compose_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_compose_imports_no_database_no_http_and_no_higher_layer():
    forbidden = (
        "django.db",
        "requests",
        "wagtail.models",
        "wagtail.images.models",
        *(f"wagtail_crosspost.{name}" for name in ("models", "outbox", "views", "auth")),
    )
    assert offending("compose", forbidden) == []
