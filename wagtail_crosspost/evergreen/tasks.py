"""The planner as a task of the task backend (the same pattern as delivery's tasks): a worker
or a periodic scheduler runs ``plan_evergreen``; ``crosspost_plan_evergreen`` does the same from
cron."""

from __future__ import annotations

from django_tasks import task

from ..outbox.tasks import enqueue
from .planning import DEFAULT_DAYS, plan_all


def run(days: int = DEFAULT_DAYS, channel_ids=None) -> dict[str, int]:
    """Plan every enabled channel; hand the new rows to the workers for their slot time."""
    from ..models import Publication

    results = plan_all(days=days, channel_ids=channel_ids)
    planned = sum(len(r.planned) for r in results)
    if planned:
        slots = [(r.channel_id, p.slot) for r in results for p in r.planned]
        rows = Publication.objects.filter(
            kind=Publication.Kind.RESHARE,
            status=Publication.Status.PENDING,
            slot_at__in={slot for _channel, slot in slots},
            channel_id__in={channel for channel, _slot in slots},
        )
        enqueue(rows)
    return {
        "channels": len(results),
        "planned": planned,
        "removed": sum(r.removed for r in results),
    }


@task()
def plan_evergreen(days: int = DEFAULT_DAYS) -> dict[str, int]:
    return run(days=int(days))
