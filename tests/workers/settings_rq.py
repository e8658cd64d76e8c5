"""Worker settings: django-tasks-rq, RQ on Redis (``REDIS_URL``, default 127.0.0.1:6379/0).

Workers: ``python -m django rqworker <queue> --job-class django_tasks_rq.Job``.
"""

import os

from tests.workers.settings_sweep import *  # noqa: F403
from tests.workers.settings_sweep import CROSSPOST_QUEUE, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_rq", "django_tasks_rq"]
RQ_QUEUES = {
    CROSSPOST_QUEUE: {
        "URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEFAULT_TIMEOUT": 60,
    }
}
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "crosspost": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [CROSSPOST_QUEUE]},
}
