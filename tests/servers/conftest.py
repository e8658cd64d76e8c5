"""Make the server fixtures available to the tests in this folder.

The root ``tests/conftest.py`` is expected to say ``pytest_plugins = ["tests.servers.fixtures"]``
(so every test can use ``bluesky_pds``); until it does, register the plugin from here. It is
registered once either way, so there is still one PDS per session.
"""

import pytest

PLUGIN = "tests.servers.fixtures"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
