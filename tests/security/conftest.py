"""The hostile-server suite: servers on 127.0.0.1 only, the private-address allowance off.

Every connection the gate opens here goes through ``loopback_only``: an address outside
127.0.0.0/8 fails the test instead of being reached.
"""

import pytest

from wagtail_crosspost.testing.gate import gate_hooks, loopback_only


@pytest.fixture(autouse=True)
def hostile_settings(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (1, 1)
    settings.WAGTAILCROSSPOST_HTTP_DEADLINE = 2
    with gate_hooks(connect=loopback_only):
        yield
