"""The task a worker runs to take the due snapshots (``crosspost_fetch_metrics`` runs the same)."""

from __future__ import annotations

from django_tasks import task

from .fetching import fetch_due


@task()
def fetch_metrics() -> dict[str, int]:
    """Take every due snapshot; never raises for a platform's failure (see ``fetching``)."""
    outcome = fetch_due()
    return {
        "snapshots": outcome.snapshots,
        "calls": outcome.calls,
        "failed": len(outcome.failed),
    }
