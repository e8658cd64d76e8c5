"""The example project's settings, as ``scripts/demo`` runs them, for the German first-day
walkthrough (``test_first_day_de``), plus what a test on one machine needs: its webhook
receiver listens on 127.0.0.1, which a real site's webhooks may never reach."""

from example_project.settings import *  # noqa: F403

WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
