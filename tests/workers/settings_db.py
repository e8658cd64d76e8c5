"""Worker settings: django-tasks-db, a task queue in the same PostgreSQL database.

Workers: ``python -m django db_worker --backend crosspost --queue-name <queue>``.
"""

from tests.workers.settings_sweep import *  # noqa: F403
from tests.workers.settings_sweep import CROSSPOST_QUEUE, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "crosspost": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [CROSSPOST_QUEUE]},
}
