"""The example project's settings, as ``scripts/demo`` runs them, for the browser tests on the
real demo (``demo.py``: ``test_first_day_de``, ``test_demo_agency_round_trip``), plus what a
test on one machine needs: its webhook receiver listens on 127.0.0.1, which a real site's
webhooks may never reach."""

from example_project.settings import *  # noqa: F403

WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
