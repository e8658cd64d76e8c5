"""What the Publish-to panel shows about a page beyond its choices: how its posts did (figures)
and the posts a scheduled revision will make."""

from __future__ import annotations

from typing import Any

from .choices import choices_in
from .metrics import per_post
from .metrics.report_views import FIGURE_LABELS
from .models import Channel, Publication
from .permissions import CROSSPOST_PAGE
from .schedule.timing import planned_times


def how_this_page_did(
    page: Any, rows: list[dict[str, Any]], history: dict[int, list], user: Any
) -> dict[str, Any] | None:
    """The latest figures of the page's posts per channel (one query, and none at all for a page
    that was never posted), with a link to each channel's newest post in the log."""
    posted = any(
        p.action == Publication.Action.POST and p.status == Publication.Status.POSTED
        for items in history.values()
        for p in items
        if not p.dry_run
    )
    if not posted:
        return None
    summaries = per_post.page_summary(page.pk, [row["channel"] for row in rows])
    if not summaries:
        return None
    shown = [
        name
        for name in per_post.LISTED
        if any(summary.figures[name] is not None for summary in summaries)
    ]
    return {
        "channels": [
            {"summary": s, "cells": [s.figures[name] for name in shown]} for s in summaries
        ],
        "columns": [{"name": name, "label": FIGURE_LABELS[name]} for name in shown],
        "can_open_log": user.has_perm(CROSSPOST_PAGE)
        or user.has_perm("wagtail_crosspost.view_publication"),
    }


def scheduled_posts(page: Any, user: Any) -> dict[str, Any]:
    """When a scheduled revision of this page goes live (its posts go out then), and the posts
    it will make: the channels ticked in that revision, with the time each one's timing gives."""
    if not getattr(page, "pk", None):
        return {"scheduled_at": None, "scheduled_posts": []}
    revision = page.revisions.filter(approved_go_live_at__isnull=False).first()
    if revision is None:
        return {"scheduled_at": None, "scheduled_posts": []}
    go_live = revision.approved_go_live_at
    ticked = [choice for choice in choices_in(revision).values() if choice.enabled]
    channels = {
        channel.pk: channel
        for channel in Channel.objects.visible_to(user)
        .usable()
        .filter(pk__in=[c.channel_id for c in ticked])
    }
    ticked = [choice for choice in ticked if choice.channel_id in channels]
    planned = planned_times([(page.pk, go_live, ticked)]) if ticked else {}
    posts = [
        {"channel": channels[channel_id], "when": when}
        for channel_id, when in planned.get(page.pk, [])
    ]
    return {"scheduled_at": go_live, "scheduled_posts": posts}
