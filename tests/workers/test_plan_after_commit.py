"""Planning after the commit with a real queue (issue #13): pages published the editor's way
record their posts and hand one ``plan_rows`` task to django-tasks-db in the publish's own
transaction; real ``db_worker`` processes on PostgreSQL plan the posts, hand them over in
``deliver_rows`` tasks and send each exactly once. No sweep runs: the queue alone does it.
"""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection

from tests.workers.test_scale_out import (
    LATENCY,
    db_task_counts,
    migrate_tasks_db,
    status_counts,
    worker_command,
)
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox.pending import PendingPlan

PAGES, CHANNELS = 10, 5
ROWS = PAGES * CHANNELS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("scale_out"),
]


def test_db_workers_plan_what_the_editor_published_and_send_each_post_once(processes, fake):
    procs = processes("tests.workers.settings_db")
    migrate_tasks_db(procs)
    for i in range(2):
        procs.start(f"w{i}", *worker_command("db", procs.queue))
    time.sleep(2)  # let them import Django
    procs.check_alive()
    out = procs.run("tests.workers.publish", "--url", fake.url_for("/hook"), "--editor",
                    "--channels", str(CHANNELS), "--pages", str(PAGES))  # fmt: skip
    assert json.loads(out.strip().splitlines()[-1])["pages"] == PAGES
    deadline = time.monotonic() + 120 + ROWS * LATENCY
    while status_counts()[Publication.Status.POSTED] < ROWS:
        assert time.monotonic() < deadline, (dict(status_counts()), procs.log("w0"))
        procs.check_alive()
        time.sleep(0.25)
    assert Publication.objects.count() == ROWS and not PendingPlan.objects.exists()
    assert fake.unique == fake.total == ROWS  # each post once
    tasks = db_task_counts()
    # One plan_rows task per publish, and its deliver_rows tasks: all ran, none failed.
    assert set(tasks) <= {("SUCCESSFUL", ""), ("RUNNING", ""), ("READY", "")}, tasks
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_path, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1"
        )
        by_task = dict(cursor.fetchall())
    assert by_task["wagtail_crosspost.outbox.tasks.plan_rows"] == PAGES, by_task
