"""Planning after the commit (``PLAN_AFTER_COMMIT``, the default; issue #13).

The editor's Publish does not plan the posts: it records the publish (``record``: one
``PendingPlan`` row, in the publish's own transaction) and returns. Once the publish has
committed, ``run`` plans it: in a thread of the web process (the zero-setup default), in a
queue's worker (``tasks.plan_rows``), or in the next sweep (``crosspost_deliver``, or the
piggyback sweep after a request) when the process that published died first. Nothing is lost:
the row goes only in the transaction that creates the posts.

Planning a publish twice plans nothing twice: ``run`` deletes the row first, in the transaction
that plans, so a second planner of the same row finds it gone (PostgreSQL: it waits for the first
one's commit), and planning one revision again creates no post (``planning``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..choices import parse
from ..models import Publication
from . import planning
from .page_history import log_planned
from .pending import PendingPlan

logger = logging.getLogger("wagtail_crosspost")

#: A publish whose planning failed this often (each time logged) is given up, logged as an error.
MAX_ATTEMPTS = 5


def record(page: Any, revision: Any) -> int:
    """Record that this publish's posts are to be planned; returns the row's id."""
    plan = PendingPlan.objects.create(
        page_id=page.pk, revision_id=revision.pk, user_id=revision.user_id
    )
    return plan.pk


#: How recent ``last_published_at`` must be for a save of the page to count as its publish.
PUBLISH_MOMENT = timedelta(seconds=60)
#: Where the plan's id waits, on the page being published, for its ``page_published``.
PLAN_ATTRIBUTE = "_crosspost_recorded_plan"


def record_with_choices(choices: Any) -> None:
    """The page's choices record is being saved: if that save is a publish of the page, record
    the plan now, in the transaction that saves the record (Django's ``add(bulk=False)`` wraps
    the save in one), so the editor's publish pays one INSERT and no commit of its own.

    A publish is recognised by what Wagtail's publish does just before it saves the page: it sets
    ``live_revision`` to the revision object (a page loaded and saved by other code has no such
    object cached) and ``last_published_at`` to the present moment. ``page_published``, which
    follows with the same page object, hands the plan over (``take_recorded``); if it never
    comes (the process died), the sweep plans the row. Code that saves the page again right
    after publishing it records that revision once more: planning a revision again creates no
    post (``planning``)."""
    if not type(choices).page.is_cached(choices):  # type: ignore[attr-defined]
        return  # saved on its own, not by a page's save
    page = choices.page
    if page is None or not page.live or getattr(page, "alias_of_id", None):
        return
    published = getattr(page, "last_published_at", None)
    if published is None or abs(timezone.now() - published) > PUBLISH_MOMENT:
        return  # not published just now: a save of a live page
    cached = type(page).live_revision.is_cached(page)  # type: ignore[attr-defined]
    revision = page.live_revision if cached else None
    if revision is None or not any(c.enabled for c in parse(choices.channels).values()):
        return
    with transaction.atomic():  # a savepoint: a failing INSERT must not break the publish
        plan_id = record(page, revision)
    setattr(page, PLAN_ATTRIBUTE, (revision.pk, plan_id))


def take_recorded(page: Any, revision: Any) -> int | None:
    """The plan ``record_with_choices`` recorded for this publish of ``page``, if any (once)."""
    recorded = page.__dict__.pop(PLAN_ATTRIBUTE, None)
    if recorded is None or recorded[0] != revision.pk:
        return None
    return recorded[1]


def run(ids: Sequence[int] | None = None, limit: int = 50) -> list[Publication]:
    """Plan these recorded publishes (``None``: the oldest ``limit`` of them). Returns the new
    rows; handing them to a worker is the caller's (``tasks.enqueue``, or the sweep that runs
    next)."""
    plans = PendingPlan.objects.order_by("pk")
    if ids is not None:
        plans = plans.filter(pk__in=list(ids))
    rows: list[Publication] = []
    for plan in plans.values("pk", "page_id", "revision_id", "attempts")[:limit]:
        try:
            rows += _run_one(plan)
        except Exception:
            try:
                _failed(plan)
            except Exception:  # the database itself: the next sweep tries again
                logger.exception("Could not record a failed plan")
    return rows


def _run_one(plan: Mapping[str, Any]) -> list[Publication]:
    from wagtail.models import Page, Revision

    with transaction.atomic():
        # Taken: this planner's from here until its commit; gone: another planner had it.
        if not PendingPlan.objects.filter(pk=plan["pk"]).delete()[0]:
            return []
        page = Page.objects.filter(pk=plan["page_id"]).first()
        if page is None or not page.live:
            return []  # deleted or unpublished before its posts were planned: nothing to post
        page = page.specific_deferred
        revision = Revision.objects.select_related("user").get(pk=plan["revision_id"])
        choices = planning.requests_of(revision)
        if not choices:
            return []
        rows = planning.plan_publications(page, revision, user=revision.user, choices=choices)
        log_planned(page, rows, revision.user)  # never raises
    return rows


def _failed(plan: Mapping[str, Any]) -> None:
    attempts = plan["attempts"] + 1
    if attempts >= MAX_ATTEMPTS:
        logger.exception(
            "Could not plan the posts of page %s (revision %s), %s times: given up",
            plan["page_id"],
            plan["revision_id"],
            attempts,
        )
        PendingPlan.objects.filter(pk=plan["pk"]).delete()
        return
    logger.exception(
        "Could not plan the posts of page %s (revision %s); the next sweep tries again",
        plan["page_id"],
        plan["revision_id"],
    )
    PendingPlan.objects.filter(pk=plan["pk"]).update(attempts=attempts)


def channels_to_come(page: Any) -> list[Any]:
    """The channels this page's recorded, not yet planned publishes will post to (what the
    editor is told after Publish, before the plan has run)."""
    channels: dict[int, Any] = {}
    plans = PendingPlan.objects.filter(page_id=page.pk).select_related("revision", "user")
    for plan in plans.order_by("pk"):
        for channel in planning.preview(page, plan.revision, user=plan.user):
            channels.setdefault(channel.pk, channel)
    return list(channels.values())
