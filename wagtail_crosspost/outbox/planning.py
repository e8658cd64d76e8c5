"""Planning: which outbox rows a publish, an unpublish, an API call or a Retry creates.

Planning only writes rows; waking a worker for them is ``tasks.enqueue``, called by whoever
planned them.

A page is posted to a channel once; the unique constraint on (page, channel, generation) makes a
second plan of the same post impossible even when two publishes race.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..choices import Choice, choices_in
from ..models import Channel, Publication
from .rights import channels_allowed, choices_cleared

Status = Publication.Status
Action = Publication.Action
#: When the new posts of a plan are due: (channel, choice) pairs in, {channel id: time or None}
#: out (None: now). The schedule layer installs it; the outbox never imports that layer.
DueTimeHook = Callable[[list[tuple[Channel, Choice]]], "dict[int, datetime | None]"]
_due_time_hook: DueTimeHook | None = None


def set_due_time_hook(hook: DueTimeHook | None) -> None:
    global _due_time_hook
    _due_time_hook = hook


def due_times(pairs: list[tuple[Channel, Choice]]) -> dict[int, datetime]:
    """When each channel's new post is due: the hook's answer when it lies ahead, else now."""
    now = timezone.now()
    asked = _due_time_hook(pairs) if _due_time_hook is not None and pairs else {}
    return {
        channel.pk: due if (due := asked.get(channel.pk)) is not None and due > now else now
        for channel, _request in pairs
    }


# -- plan ----------------------------------------------------------------------------------------


def requests_of(revision: Any) -> list[Choice]:
    """The ticked channels' choices stored in a revision (the page as it was published), read
    from its JSON. A choice whose channel is gone finds no channel to plan for."""
    return [choice for choice in choices_in(revision).values() if choice.enabled]


def plan_publications(
    page: Any,
    revision: Any,
    user: Any = None,
    *,
    choices: Iterable[Choice] | None = None,
    explicit: bool = False,
    dry_run: bool = False,
) -> list[Publication]:
    """Create the outbox rows a publish of ``revision`` calls for. Returns the new rows.

    A page is posted to a channel once; a later publish posts again only when the editor ticked
    "post again", and edits the existing post only when they ticked "update the existing post".
    ``choices`` replaces the choices stored in the revision (the Python API); ``explicit`` says
    they were made just now, so "post again" applies even to the same revision.
    """
    choices = requests_of(revision) if choices is None else list(choices)
    available, wanted, latest = _selection(page, revision, user, choices)
    if not wanted:
        return []
    # One transaction from the due times to the new rows: a slot the schedule layer hands out
    # stays locked until the row that takes it is committed (two publishes, one slot).
    outer = connection.in_atomic_block  # its transaction holds the lock already: no savepoint
    with contextlib.nullcontext() if outer else transaction.atomic():
        due = due_times([(available[pk], request) for pk, request in wanted.items()])
        planned = []
        for channel_id, request in wanted.items():
            row = _plan_one(
                page,
                revision,
                available[channel_id],
                request,
                user,
                explicit,
                dry_run,
                latest.get(channel_id),
                due[channel_id],
            )
            if row is not None:
                planned.append(row)
        _create_posts([row for row in planned if row.pk is None])
    return [row for row in planned if row.pk is not None]


def _selection(
    page: Any, revision: Any, user: Any, choices: list[Choice]
) -> tuple[dict[int, Channel], dict[int, Choice], dict[int, Publication]]:
    """The channels the page may go to, the choice per channel that may be planned, and the
    latest post on each of those channels."""
    if not choices:
        return {}, {}, {}
    # A forged form or API call may name a channel the user may not post to: never plan it.
    available = {c.pk: c for c in channels_allowed(user, Channel.objects.for_page(page))}
    wanted: dict[int, Choice] = {}  # one choice per channel: the first
    for request in choices:
        if request.channel_id in available:
            wanted.setdefault(request.channel_id, request)
    # A post that needs an approval (the review layer's workflow task) waits for it.
    wanted = {r.channel_id: r for r in choices_cleared(page, revision, list(wanted.values()))}
    if not wanted:
        return available, {}, {}
    # One query for the latest post on every channel, not one per channel.
    latest: dict[int, Publication] = {}
    posts = Publication.objects.filter(
        page=page, channel_id__in=wanted, action=Action.POST, kind=Publication.Kind.POST
    )
    for post in posts.order_by("channel_id", "-generation"):
        latest.setdefault(post.channel_id, post)
    return available, wanted, latest


def preview(page: Any, revision: Any, user: Any = None) -> list[Channel]:
    """The channels a plan of ``revision`` would post to (or update), planning nothing: what
    the editor is told after Publish while the plan runs after the commit (``later``)."""
    available, wanted, latest = _selection(page, revision, user, requests_of(revision))
    return [
        available[pk]
        for pk, request in wanted.items()
        if _decision(revision, available[pk], request, False, latest.get(pk)) is not None
    ]


def _decision(revision, channel, request, explicit, latest) -> str | None:
    """What this choice calls for: a ``"new"`` post, a ``"retry"`` of a failed one, a
    ``"repost"``, an ``"update"`` of the existing post, or nothing (None)."""
    fresh_choice = explicit or (
        latest is None
        or (latest.revision_id != revision.pk and revision.created_at > latest.created_at)
    )
    if latest is None:
        return "new"
    if latest.status in (Status.FAILED, Status.SKIPPED) and fresh_choice:
        # The editor publishes again after a failure: try once more with the new content.
        return "retry"
    if latest.status == Status.DELETED or (request.repost and fresh_choice):
        return "repost"
    if request.update_existing and fresh_choice and latest.status == Status.POSTED:
        return "update" if "update" in channel.get_adapter().supports else None
    return None


def _plan_one(
    page, revision, channel, request, user, explicit, dry_run, latest, due
) -> Publication | None:
    """The row this choice calls for: unsaved for a new post, saved for anything else."""
    fields = {
        "page_title": page.title[:255],
        "revision": revision,
        "requested_by": user,
        "message": request.message,
        "image_id_override": request.image_id,
        "dry_run": dry_run,
    }
    decision = _decision(revision, channel, request, explicit, latest)
    if decision == "new":
        return _new_post(page, channel, 0, fields, due)
    if decision == "retry":
        updated = Publication.objects.filter(pk=latest.pk, status=latest.status).update(
            status=Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            error="",
            **fields,
        )
        return Publication.objects.get(pk=latest.pk) if updated else None
    if decision == "repost":
        return _new_post(page, channel, latest.generation + 1, fields, due)
    if decision == "update":
        already = Publication.objects.filter(
            target=latest, action=Action.UPDATE, revision=revision
        ).exists()
        if already:
            return None
        return Publication.objects.create(
            page=page, channel=channel, action=Action.UPDATE, target=latest, **fields
        )
    return None


def _new_post(page, channel, generation, fields, due=None) -> Publication:
    return Publication(
        page=page,
        channel=channel,
        action=Action.POST,
        generation=generation,
        next_attempt_at=due or timezone.now(),  # later than now: it waits for its slot or time
        idempotency_key=uuid.uuid4().hex,  # bulk_create does not call save(), which sets it
        **fields,
    )


def _create_posts(rows: list[Publication]) -> None:
    """Insert new post rows, all in one query; one by one if another publish got there first
    (a row that is already planned keeps no primary key)."""
    # The same order in every publish: two publishes of one page at once take the unique index's
    # locks in the same order, so they wait for each other instead of deadlocking.
    rows = sorted(rows, key=lambda row: row.channel_id)
    if len(rows) > 1 and connection.features.can_return_rows_from_bulk_insert:
        try:
            with transaction.atomic():
                Publication.objects.bulk_create(rows)
                return
        except IntegrityError:
            for row in rows:
                row.pk = None
                row._state.adding = True
    for row in rows:
        _create_post(row)


def _create_post(row: Publication) -> None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # Another publish of the same page planned this post a moment ago: never twice.
        row.pk = None


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
    # On its way, or done (a dry run leaves the post itself *Posted*).
    pending = Publication.objects.filter(
        target=target,
        action=Action.DELETE,
        status__in=(*Publication.ACTIVE_STATUSES, Status.DELETED),
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


def retry(publication: Publication, user: Any = None) -> bool:
    """The editor's Retry on a failed or unknown row: due again now. The caller wakes a worker
    (``tasks.enqueue``), as after any planning; the sweep delivers it either way."""
    if user is not None and not channels_allowed(user, [publication.channel]):
        return False
    updated = Publication.objects.filter(
        pk=publication.pk, status__in=Publication.RETRYABLE_STATUSES
    ).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        error="",
        raw_response=None,
        delivery_state={},  # the editor checked: an earlier uncertain attempt no longer counts
    )
    return bool(updated)
