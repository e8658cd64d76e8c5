"""The benchmarks still run: each admin benchmark on a few rows, as its own process.

A benchmark that inserts rows with raw SQL breaks silently when a model gains a NOT NULL column
(``log_list`` did, with ``delivery_state``). These runs check the script finishes and prints its
result line; they assert nothing about speed (figures come from ``benchmarks/run``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("log_list.py", ["--rows", "300", "--repeat", "1"], "log_list"),
    ("calendar_month.py", ["--rows", "200", "--repeat", "1"], "calendar"),
]


@pytest.mark.parametrize(("script", "args", "line"), CASES, ids=[c[0] for c in CASES])
def test_benchmark_runs_and_prints_its_line(script, args, line):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert re.search(rf"^{line}: queries=\d+ ms=\d+", done.stdout, re.M), done.stdout[-2000:]
