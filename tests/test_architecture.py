"""The house stays one-way and tidy: the map in the docs matches the import contracts, modules
stay small, and compose stays pure. (``lint-imports`` itself runs in scripts/test's checks.)"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wagtail_crosspost"
ARCHITECTURE = ROOT / "docs" / "concepts" / "architecture.md"

#: Modules that are data, not logic, may be longer (none needs it today).
DATA_TABLES: set[str] = set()
MODULE_LIMIT = 400
ADAPTER_LIMIT = 300


def _contract_layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return [[name.strip(" ()") for name in re.split(r"[:|]", layer)] for layer in layers["layers"]]


def _diagram_layers() -> list[list[str]]:
    text = ARCHITECTURE.read_text()
    (diagram,) = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    labels = dict(re.findall(r'^\s*(\w+)\["<b>[^<]*</b><br/>([^"]*)"\]', diagram, re.M))
    (chain,) = [line for line in diagram.splitlines() if "-->" in line]
    order = [node.strip() for node in chain.split("-->")]
    return [[name.strip() for name in labels[node].split("·")] for node in order]


def test_the_architecture_diagram_draws_the_import_contracts():
    assert _diagram_layers() == _contract_layers()


def test_every_layer_in_the_contract_is_a_real_module_or_a_room_kept_for_later():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    for layer in layers["layers"]:
        for name in re.split(r"[:|]", layer):
            optional = name.strip().startswith("(")
            name = name.strip(" ()")
            exists = (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir()
            assert exists or optional, f"layer {name!r} names no module"


def _python_modules() -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and path.relative_to(PACKAGE).as_posix() not in DATA_TABLES
    ]


def test_no_module_is_over_400_lines_and_no_platform_module_over_300():
    too_long = []
    for path in _python_modules():
        lines = len(path.read_text().splitlines())
        relative = path.relative_to(PACKAGE)
        # A platform's own modules (adapters/<platform>/...) stay under 300 lines; the shared
        # contract and plumbing beside them (base, http, provider) under the package's 400.
        in_adapter = relative.parts[0] == "adapters" and len(relative.parts) > 2
        limit = ADAPTER_LIMIT if in_adapter else MODULE_LIMIT
        if lines > limit:
            too_long.append(f"{relative}: {lines} lines (limit {limit})")
    assert not too_long, "split these modules by job:\n" + "\n".join(too_long)


def test_compose_imports_neither_the_database_layer_nor_an_http_client():
    # A fresh interpreter: importing every compose module must not load django.db or requests.
    code = (
        "import sys, pkgutil, importlib\n"
        "import django\n"
        "from django.conf import settings\n"
        "settings.configure()\n"
        "import wagtail_crosspost.compose as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('wagtail_crosspost.compose.' + m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'requests' or n.startswith('django.db'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"compose pulled in: {result.stdout.strip()}"
