"""Planning: which outbox rows a publish, an unpublish or an API call creates.

A page is posted to a channel once; the unique constraint on (page, channel, generation) makes a
second plan of the same post impossible even when two publishes race.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import conf
from .models import Channel, CrosspostRequest, Publication

logger = logging.getLogger("wagtail_crosspost")

Status = Publication.Status
Action = Publication.Action


# -- plan ----------------------------------------------------------------------------------------


def requests_of(revision: Any) -> list[CrosspostRequest]:
    """The crosspost choices stored in a revision (the page as it was published)."""
    page = revision.as_object()
    return [r for r in page.crosspost_requests.all() if r.enabled]


def plan_publications(
    page: Any,
    revision: Any,
    user: Any = None,
    *,
    choices: Iterable[CrosspostRequest] | None = None,
    explicit: bool = False,
    dry_run: bool = False,
) -> list[Publication]:
    """Create the outbox rows a publish of ``revision`` calls for. Returns the new rows.

    A page is posted to a channel once; a later publish posts again only when the editor ticked
    "post again", and edits the existing post only when they ticked "update the existing post".
    ``choices`` replaces the choices stored in the revision (the Python API); ``explicit`` says
    they were made just now, so "post again" applies even to the same revision.
    """
    created: list[Publication] = []
    available = {c.pk: c for c in Channel.objects.for_page(page)}
    for request in requests_of(revision) if choices is None else choices:
        channel = available.get(request.channel_id)
        if channel is None:
            continue
        row = _plan_one(page, revision, channel, request, user, explicit, dry_run)
        if row is not None:
            created.append(row)
    return created


def _plan_one(page, revision, channel, request, user, explicit, dry_run) -> Publication | None:
    posts = Publication.objects.filter(page=page, channel=channel, action=Action.POST)
    latest = posts.order_by("-generation").first()
    fields = {
        "page_title": page.title[:255],
        "revision": revision,
        "requested_by": user,
        "message": request.message,
        "image_id_override": request.image_id,
        "dry_run": dry_run,
    }
    fresh_choice = explicit or (
        latest is None
        or (latest.revision_id != revision.pk and revision.created_at > latest.created_at)
    )
    if latest is None:
        return _create_post(page, channel, 0, fields)
    if latest.status in (Status.FAILED, Status.SKIPPED) and fresh_choice:
        # The editor publishes again after a failure: try once more with the new content.
        updated = Publication.objects.filter(pk=latest.pk, status=latest.status).update(
            status=Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            error="",
            **fields,
        )
        return Publication.objects.get(pk=latest.pk) if updated else None
    if latest.status == Status.DELETED or (request.repost and fresh_choice):
        return _create_post(page, channel, latest.generation + 1, fields)
    if request.update_existing and fresh_choice and latest.status == Status.POSTED:
        if "update" not in channel.get_adapter().supports:
            return None
        already = Publication.objects.filter(
            target=latest, action=Action.UPDATE, revision=revision
        ).exists()
        if already:
            return None
        return Publication.objects.create(
            page=page, channel=channel, action=Action.UPDATE, target=latest, **fields
        )
    return None


def _create_post(page, channel, generation, fields) -> Publication | None:
    try:
        with transaction.atomic():
            return Publication.objects.create(
                page=page, channel=channel, action=Action.POST, generation=generation, **fields
            )
    except IntegrityError:
        # Another publish of the same page planned this post a moment ago: never twice.
        return None


def plan_deletions(page: Any, user: Any = None) -> list[Publication]:
    """Delete rows for the page's posts on channels whose policy is to delete on unpublish."""
    created = []
    posted = Publication.objects.filter(
        page=page,
        action=Action.POST,
        status=Status.POSTED,
        dry_run=False,
        channel__on_unpublish=Channel.OnUnpublish.DELETE,
    ).select_related("channel")
    for target in posted:
        row = plan_delete(target, user)
        if row is not None:
            created.append(row)
    return created


def plan_delete(target: Publication, user: Any = None) -> Publication | None:
    """A delete row for one posted publication, unless one is already on its way."""
    if target.action == Action.DELETE or target.status != Status.POSTED or not target.remote_id:
        return None
    if "delete" not in target.channel.get_adapter().supports:
        return None
    pending = Publication.objects.filter(
        target=target, action=Action.DELETE, status__in=Publication.ACTIVE_STATUSES
    )
    if pending.exists():
        return None
    return Publication.objects.create(
        page=target.page,
        page_title=target.page_title,
        channel=target.channel,
        action=Action.DELETE,
        target=target,
        requested_by=user,
    )


def enqueue(publications: Iterable[Publication]) -> None:
    """Wake a worker for each row once the surrounding transaction has committed."""
    pks = [p.pk for p in publications]
    if not pks:
        return

    def send() -> None:
        from .tasks import deliver_publication

        for pk in pks:
            try:
                deliver_publication.using(
                    backend=conf.get("TASK_BACKEND"), queue_name=conf.get("QUEUE")
                ).enqueue(pk)
            except Exception:
                # The sweep delivers the row anyway; a broken queue must not break publishing.
                logger.exception("Could not enqueue publication %s; the sweep will deliver it", pk)

    transaction.on_commit(send)
