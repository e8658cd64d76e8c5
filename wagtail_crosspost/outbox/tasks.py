"""The only queue hop: the task a worker runs, and ``enqueue``, which wakes one for each row.

The queue is only a wake-up call: the ``Publication`` row is the truth, and the
``crosspost_deliver`` sweep delivers every due row whether a message arrived or not. Arguments
are ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .. import conf
from ..models import Publication
from . import delivery

logger = logging.getLogger("wagtail_crosspost")


@task()
def deliver_publication(publication_id: int) -> str | None:
    return delivery.deliver(publication_id)


def enqueue(publications: Iterable[Publication]) -> None:
    """Wake a worker for each row once the surrounding transaction has committed."""
    rows = [(p.pk, p.next_attempt_at) for p in publications]
    pks = [pk for pk, _due in rows]
    if not pks:
        return

    def send() -> None:
        try:
            task = deliver_publication.using(
                backend=conf.get("TASK_BACKEND"), queue_name=conf.get("QUEUE")
            )
        except Exception:
            logger.exception("Could not enqueue publications %s; the sweep will deliver them", pks)
            return
        now = timezone.now()
        for pk, due in rows:
            try:
                if due is not None and due > now:
                    # A post that waits for its slot or time: woken then where the backend can
                    # defer, else left to the sweep (a worker woken now would find it not due).
                    if not task.get_backend().supports_defer:
                        continue
                    task.using(run_after=due).enqueue(pk)
                    continue
                task.enqueue(pk)
            except Exception:
                # The sweep delivers the row anyway; a broken queue must not break publishing.
                logger.exception("Could not enqueue publication %s; the sweep will deliver it", pk)

    transaction.on_commit(send)
