"""Page lifecycle → outbox. Handlers only write rows and enqueue; they never talk to platforms."""

from __future__ import annotations

import logging
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_save
from wagtail.signals import page_published, page_unpublished

from . import conf
from .models import CrosspostChoices
from .outbox import background, later, planning, tasks
from .outbox.page_history import log_planned

logger = logging.getLogger("wagtail_crosspost")


def on_page_published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    # Aliases mirror their original, which posts by itself.
    if kwargs.get("alias") or getattr(instance, "alias_of_id", None):
        return
    # Scheduling a never-published page sends this signal with live=False: post when it goes
    # live (publish_scheduled sends it again), never at scheduling time.
    if revision is None or not instance.live or instance.live_revision_id != revision.pk:
        return
    try:
        choices = planning.requests_of(revision)  # read from the revision, no query
        if not choices:
            return
        if conf.get("PLAN_AFTER_COMMIT"):
            # The request records the publish (one row) and returns; planning runs after it.
            tasks.plan_after_commit(instance, revision)
            return
        rows = planning.plan_publications(instance, revision, user=revision.user, choices=choices)
    except Exception:
        # Publishing the page matters more than the posts: log loudly, never break it.
        logger.exception("Could not plan crossposts for page %s", instance.pk)
        return
    log_planned(instance, rows, revision.user)  # never raises
    tasks.enqueue(rows)


def on_choices_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Wagtail saves the page's choices record while it publishes: record the publish in that
    save's transaction (``later.record_with_choices``); ``on_page_published`` hands it over."""
    if raw or not conf.get("PLAN_AFTER_COMMIT"):
        return
    try:
        later.record_with_choices(instance)
    except Exception:
        # on_page_published records the publish on its own when this could not.
        logger.exception("Could not record the publish of page %s", instance.page_id)


def on_page_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "alias_of_id", None):
        return
    try:
        with transaction.atomic():
            rows = planning.plan_deletions(instance)
            log_planned(instance, rows, kwargs.get("user"))
    except Exception:
        logger.exception("Could not plan deletion of crossposts for page %s", instance.pk)
        return
    tasks.enqueue(rows)


def connect() -> None:
    page_published.connect(on_page_published, dispatch_uid="wagtail_crosspost_published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid="wagtail_crosspost_unpublished")
    post_save.connect(
        on_choices_saved, sender=CrosspostChoices, dispatch_uid="wagtail_crosspost_choices"
    )
    # Without a worker, what a request handed to a thread starts once its response has gone out.
    request_started.connect(background.request_started, dispatch_uid="wagtail_crosspost_begin")
    request_finished.connect(background.request_finished, dispatch_uid="wagtail_crosspost_end")
    # Without a worker, rows left behind (a dead process, a retry) go out after a later request.
    request_finished.connect(background.piggyback_sweep, dispatch_uid="wagtail_crosspost_sweep")
