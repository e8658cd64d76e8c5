"""The code samples in docs/ are tested.

Every ```python block in ``docs/**/*.md`` must compile. An HTML comment right before a block
(invisible on the rendered page) asks for more:

- ``<!-- test: run -->``: the block is executed.
- ``<!-- test: file PATH -->``: the block is the file PATH of a small project; the blocks of one
  page make one project, and its ``test_*.py`` files are run with pytest (in a subprocess, against
  this repository's test settings) and must pass.
- ``<!-- test: skip -->``: a fragment that is not Python on its own (say why in the text).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOCK_RE = re.compile(
    r"(?:<!--\s*test:\s*(?P<marker>[^>]*?)\s*-->[ \t]*\n)?"
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    marker: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(DOCS)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in BLOCK_RE.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            code = textwrap.dedent(match["code"])
            found.append(Block(page, line, (match["marker"] or "").strip(), code))
    return found


ALL = blocks()
RUN = [b for b in ALL if b.marker == "run"]
FILES: dict[Path, list[Block]] = defaultdict(list)
for block in ALL:
    if block.marker.startswith("file "):
        FILES[block.page].append(block)
KNOWN = ("", "run", "skip")
UNKNOWN = [b for b in ALL if b.marker not in KNOWN and not b.marker.startswith("file ")]
COMPILED = [b for b in ALL if b.marker != "skip"]


def test_the_docs_have_tested_samples():
    assert len(ALL) > 10 and RUN and FILES
    assert not UNKNOWN, [f"{b.id}: unknown marker {b.marker!r}" for b in UNKNOWN]


@pytest.mark.parametrize("block", COMPILED, ids=lambda b: b.id)
def test_every_python_sample_compiles(block: Block):
    compile(block.code, block.id, "exec")


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.id)
def test_runnable_samples_run(block: Block):
    exec(compile(block.code, block.id, "exec"), {"__name__": "docs_sample"})  # noqa: S102


@pytest.mark.parametrize("page", sorted(FILES), ids=lambda p: str(p.relative_to(DOCS)))
def test_sample_projects_pass_their_tests(page: Path, tmp_path: Path):
    tests = []
    for block in FILES[page]:
        relative = Path(block.marker.removeprefix("file ").strip())
        assert not relative.is_absolute() and ".." not in relative.parts, block.id
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")
        for package in list(relative.parents)[:-1]:
            (tmp_path / package / "__init__.py").touch()
        if target.name.startswith("test_"):
            tests.append(str(relative))
    assert tests, f"{page}: the sample project has no test_*.py file"
    (tmp_path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = tests.settings\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    env.pop("DATABASE_URL", None)  # the samples need no database; SQLite in memory if they do
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
        + ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), *tests],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    passed = re.search(r"(\d+) passed", output)
    assert passed and " failed" not in output, output[-2000:]
    print(f"{page.name}: {passed[0]}")
