"""Fixtures of the tests with real worker processes: the processes, and the fake platform."""

import pytest

from tests.workers.platform import CountingPlatform
from tests.workers.test_scale_out import LATENCY, Processes


@pytest.fixture
def processes(tmp_path):
    made: list[Processes] = []

    def make(settings_module: str) -> Processes:
        made.append(Processes(settings_module, tmp_path))
        return made[-1]

    yield make
    for procs in made:
        procs.stop()


@pytest.fixture
def fake():
    with CountingPlatform(latency=LATENCY) as server:
        yield server
