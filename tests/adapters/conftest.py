"""Shared set-up of the adapter tests.

The tests in a platform's folder (``tests/adapters/<platform>/``) run against that platform's
strict fake on 127.0.0.1, so each gets ``local_platform`` (tests/conftest.py): the address
allowed, short timeouts, a clean cache. The tests beside this file (the gate, the configuration,
the contract) do not: they check, among other things, that private addresses are refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _platform_fake_on_localhost(request):
    if Path(str(request.path)).resolve().parent.parent == HERE:
        request.getfixturevalue("local_platform")
