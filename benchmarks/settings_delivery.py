"""Settings for the delivery benchmarks (publish overhead, throughput, log list) and their worker
processes: the scale-out test workers' settings (``tests.workers.settings_sweep``: the test
project, loopback URLs allowed, short leases), plus django-tasks-db as the task backend alias
``"db"`` when it is installed. The database comes from ``DATABASE_URL`` (PostgreSQL) or, for
child processes on SQLite, from the file in ``CROSSPOST_BENCH_SQLITE``.
"""

import importlib.util
import os

from tests.workers.settings_sweep import *  # noqa: F403
from tests.workers.settings_sweep import CROSSPOST_QUEUE, INSTALLED_APPS, TASKS

if importlib.util.find_spec("django_tasks_db"):
    INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]
    TASKS = {
        **TASKS,
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [CROSSPOST_QUEUE]},
    }

if os.environ.get("CROSSPOST_BENCH_SQLITE"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["CROSSPOST_BENCH_SQLITE"],
            "OPTIONS": {"timeout": 30},
        }
    }

WAGTAILCROSSPOST_ADAPTERS = [*WAGTAILCROSSPOST_ADAPTERS, "benchmarks._slow.SlowAdapter"]  # noqa: F405
# Workers keep their connections between sweeps (each send thread has its own), as a deployed
# worker would.
for _db in DATABASES.values():  # noqa: F405
    _db["CONN_MAX_AGE"] = 60
