"""Worker settings for the scale-out tests: the test settings plus short leases and retries.

Used as is by the ``crosspost_deliver --loop`` sweep workers (with a task backend that drops every
message, so the sweep alone delivers), and imported by ``settings_db`` and ``settings_rq``.
``DATABASE_URL`` names the test database that pytest-django created (see ``test_scale_out``).
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES
from tests.settings import INSTALLED_APPS as _APPS

INSTALLED_APPS = list(_APPS)
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Django 6.1's system checks (run by every management command) demand it for Wagtail's
    # PostgreSQL search index fields (postgres.E005).
    INSTALLED_APPS.append("django.contrib.postgres")
DEBUG = False  # no query log growing in long-running workers
# Each test names its own queue, so runs in parallel never share one.
CROSSPOST_QUEUE = os.environ.get("CROSSPOST_TEST_QUEUE", "crosspost")
WAGTAILCROSSPOST_QUEUE = CROSSPOST_QUEUE

# Wagtail's own tasks stay on the immediate default backend; crossposts go through the alias
# "crosspost". Here a backend that drops every message: only the sweep delivers.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "crosspost": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": [CROSSPOST_QUEUE],
    },
}
WAGTAILCROSSPOST_TASK_BACKEND = "crosspost"

# The fake platform listens on 127.0.0.1.
WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
# A worker killed mid-send holds its row for 5 s, not 5 minutes. The lease must outlast the
# longest send, so the HTTP timeout stays well below it.
WAGTAILCROSSPOST_LEASE_SECONDS = 5
WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 3)
# 30 % random failures: retry fast, and often enough that no row gives up by bad luck
# (0.3 ** 30 per row). The circuit breaker stays on, with a short pause.
WAGTAILCROSSPOST_RETRY_BASE_SECONDS = 0.2
WAGTAILCROSSPOST_RETRY_MAX_SECONDS = 1.0
WAGTAILCROSSPOST_MAX_ATTEMPTS = 30
WAGTAILCROSSPOST_BREAKER_PAUSE_SECONDS = 1
WAGTAILCROSSPOST_ADAPTERS = ["tests.workers.platform.OnceWebhookAdapter"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Sends in flight per worker (the package's default, 4, unless a test asks for fewer).
WAGTAILCROSSPOST_WORKER_CONCURRENCY = int(
    os.environ.get("WAGTAILCROSSPOST_TEST_WORKER_CONCURRENCY", "4")
)
