"""The only queue hop: the tasks a worker runs, and ``enqueue``, which hands new rows over.

The queue is only a wake-up call: the ``Publication`` row is the truth, and the
``crosspost_deliver`` sweep delivers every due row whether a message arrived or not. Arguments
are ids only.

A publish's rows go over in a few ``deliver_rows`` tasks (``HANDOVER_TASKS``), each naming every
row: whichever workers run them claim the rows one by one (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``), so the rows are still sent side by side, for a few task rows instead of one a row.
With the immediate backend (the zero-setup default) nothing is sent in the editor's request: the
rows go to a thread of the web process (``background``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .. import conf
from ..models import Publication
from . import background, delivery, inflight, later

logger = logging.getLogger("wagtail_crosspost")


@task()
def deliver_rows(publication_ids: list[int]) -> dict[str, int]:
    """Deliver whichever of these rows are due and not taken by another worker."""
    ids = [int(pk) for pk in publication_ids]
    # A queue kills a job that runs past its timeout (RQ: 180 s by default), whatever it is doing:
    # mid-send, a row would end as an unexpected error. So a task stops taking rows after
    # TASK_SECONDS and hands the rest, still due, to a task of its own.
    until = time.monotonic() + float(conf.get("TASK_SECONDS"))
    counts = inflight.deliver_due(limit=len(ids), among=ids, until=until)
    left = list(Publication.objects.due().filter(pk__in=ids).values_list("pk", flat=True))
    if left and counts and time.monotonic() >= until:
        try:
            deliver_rows.using(
                backend=conf.get("TASK_BACKEND"), queue_name=conf.get("QUEUE")
            ).enqueue(left)
        except Exception:
            logger.exception("Could not hand over publications %s; the sweep delivers them", left)
    return counts


@task()
def deliver_publication(publication_id: int) -> str | None:
    """One row (messages queued before ``deliver_rows`` existed)."""
    return delivery.deliver(publication_id)


@task()
def plan_rows(plan_ids: list[int]) -> int:
    """Plan recorded publishes (``later``) and hand their rows over. Returns how many rows."""
    rows = later.run([int(pk) for pk in plan_ids])
    enqueue(rows)
    return len(rows)


def plan_after_commit(page: Any, revision: Any) -> None:
    """The editor's publish: record it (one row, in its transaction) and hand it over after the
    response: to a thread of the web process (no worker) or to the queue (one ``plan_rows``
    task), never planned in the request. A plan whose hand-over is lost (a dead process, a
    broken queue) is planned by the next sweep."""
    plan_id = later.take_recorded(page, revision) or later.record(page, revision)

    def hand_over() -> None:
        alias = conf.get("TASK_BACKEND")
        if background.wanted(alias):
            background.start_after_response("crosspost-plan", lambda: enqueue(later.run([plan_id])))
        elif background.is_immediate(alias):
            enqueue(later.run([plan_id]))  # DELIVER_IN_BACKGROUND = False: in the request
        else:
            background.after_response(lambda: _enqueue_plan(alias, plan_id))

    transaction.on_commit(hand_over)


def _enqueue_plan(alias: str, plan_id: int) -> None:
    try:
        plan_rows.using(backend=alias, queue_name=conf.get("QUEUE")).enqueue([plan_id])
    except Exception:
        logger.exception("Could not enqueue plan %s; the sweep plans it", plan_id)


def handover_tasks(rows: int) -> int:
    """How many tasks hand ``rows`` rows over: ``HANDOVER_TASKS``, or one a row (None)."""
    per = conf.get("HANDOVER_TASKS")
    return rows if per is None else max(1, min(rows, int(per)))


def enqueue(publications: Iterable[Publication]) -> None:
    """Hand the rows over once the surrounding transaction has committed.

    Rows due now go to the background thread (no worker) or to a few ``deliver_rows`` tasks. A
    row that waits for its slot or time (``next_attempt_at`` later) is handed over for that
    moment where the backend can defer, and is otherwise left to the sweep.
    """
    now = timezone.now()
    rows = [(p.pk, p.next_attempt_at) for p in publications]
    pks = [pk for pk, due in rows if due is None or due <= now]
    waiting = [(pk, due) for pk, due in rows if due is not None and due > now]
    if not rows:
        return

    def send() -> None:
        alias = conf.get("TASK_BACKEND")
        if background.wanted(alias):
            if pks:
                background.deliver(pks)
            return  # waiting rows: the piggyback sweep or crosspost_deliver sends them when due
        try:
            task = deliver_rows.using(backend=alias, queue_name=conf.get("QUEUE"))
        except Exception:
            logger.exception("Could not enqueue publications %s; the sweep will deliver them", pks)
            return
        try:
            if waiting and task.get_backend().supports_defer:
                for pk, due in waiting:
                    task.using(run_after=due).enqueue([pk])
            if not pks:
                return
            # The immediate backend runs a task inside enqueue: the first one delivers them all.
            count = 1 if background.is_immediate(alias) else handover_tasks(len(pks))
            for _ in range(count):
                task.enqueue(pks)
        except Exception:
            # The sweep delivers the rows anyway; a broken queue must not break publishing.
            logger.exception("Could not enqueue publications %s; the sweep delivers them", pks)

    transaction.on_commit(send)
