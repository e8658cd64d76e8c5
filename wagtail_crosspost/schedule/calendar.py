"""The calendar's data: scheduled pages, waiting posts and sent posts between two moments.

Filtered to what the user may see (``site_rights``: the sites they work on, and the channels of
those sites) and by channel, site and status. A fixed number of queries whatever the number of
rows, so a busy month costs what a quiet one does (benchmarks/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, Q, Value, When
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone

from ..choices import LEGACY_RELATION_NAME, RELATION_NAME, choices_in_content
from ..compose import text
from ..models import Channel, Publication
from ..permissions import user_can_crosspost
from ..site_rights import site_ids_for, site_root_paths
from . import timing
from .scheduled_pages import OVERDUE_AFTER

Status = Publication.Status
#: The colour of an entry by status (Wagtail's palette names the same ideas).
COLOURS = {
    "scheduled": "#6b46c1",
    Status.PENDING: "#0b62a6",
    Status.SENDING: "#0b62a6",
    Status.POSTED: "#1e7d34",
    Status.FAILED: "#cd4444",
    Status.UNKNOWN: "#b35900",
    Status.SKIPPED: "#5c5c5c",
    Status.DELETED: "#5c5c5c",
}
#: At most this many rows of each kind in one answer (a busy month is 10,000: benchmarks/).
LIMIT = 20_000


def _url_pattern(name: str) -> str:
    """The URL of ``name`` for any id, reversed once (not once per row)."""
    return reverse(name, args=[4242424242]).replace("4242424242", "{}")


@dataclass(frozen=True)
class Filters:
    channel_id: int | None = None
    site_id: int | None = None
    locale_id: int | None = None
    status: str = ""  # a Publication status, or "scheduled" for pages only
    held: bool = False  # only new posts a paused channel holds (the dashboard's list)

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if str(value).isdigit() else None

        status = query.get("status", "")
        known = status in Status.values or status == "scheduled"
        return cls(number("channel"), number("site"), number("locale"), status if known else "")


#: Where entries come from: each source takes (user, start, end, filters) and returns entries
#: in the calendar's format (see ``posts``). Another feature adds its own with ``add_source``.
Source = Callable[[Any, datetime, datetime, "Filters"], list[dict]]
SOURCES: list[Source] = []


def add_source(source: Source) -> Source:
    """Show ``source``'s entries in the calendar, the dashboard panel and the feed too."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def entries(user: Any, start: datetime, end: datetime, filters: Filters) -> list[dict]:
    """The calendar entries between ``start`` and ``end`` that ``user`` may see."""
    found = []
    if filters.status in ("", "scheduled") and filters.channel_id is None:
        found += scheduled_pages(user, start, end, filters)
    if filters.status != "scheduled":
        found += posts(user, start, end, filters)
    for source in SOURCES:
        found += source(user, start, end, filters)
    return found


def first_words(text: str, words: int = 12) -> str:
    """The first ``words`` words of ``text`` (whitespace collapsed), "…" when there are more."""
    parts = (text or "").split(maxsplit=words)
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _site_paths(user: Any, site_id: int | None) -> list[str] | None:
    """Root paths of the sites to show; None: every site."""
    allowed = site_ids_for(user)
    if site_id is not None:
        allowed = frozenset({site_id}) if allowed is None else allowed & {site_id}
    return None if allowed is None else site_root_paths(allowed)


def scheduled_pages(user: Any, start: datetime, end: datetime, filters: Filters) -> list[dict]:
    from wagtail.models import Page, Revision

    paths = _site_paths(user, filters.site_id)
    revisions = Revision.page_revisions.filter(
        approved_go_live_at__gte=start, approved_go_live_at__lt=end
    )
    if paths is not None or filters.locale_id is not None:
        pages = Page.objects.all()
        if paths is not None:
            in_sites = Q(pk__in=[])
            for path in paths:
                in_sites |= Q(path__startswith=path)
            pages = pages.filter(in_sites)
        if filters.locale_id is not None:
            pages = pages.filter(locale_id=filters.locale_id)
        revisions = revisions.filter(
            object_id__in=[str(pk) for pk in pages.values_list("pk", flat=True)]
        )
    edit_url = _url_pattern("wagtailadmin_pages:edit")
    rows = list(
        revisions.order_by("approved_go_live_at")
        .annotate(
            choices=KeyTransform(RELATION_NAME, "content"),
            legacy=KeyTransform(LEGACY_RELATION_NAME, "content"),
        )
        .values_list("object_id", "object_str", "approved_go_live_at", "choices", "legacy")[:LIMIT]
    )
    movable = _publishable({int(object_id) for object_id, *_rest in rows}, user)
    overdue_before = timezone.now() - OVERDUE_AFTER
    planned = _planned_posts(user, rows)
    return [
        {
            "id": f"page-{object_id}",
            "title": title,
            "start": go_live.isoformat(),
            "color": COLOURS["scheduled"],
            "editable": int(object_id) in movable,
            "extendedProps": {
                "kind": "page",
                "status": "scheduled",
                "page": int(object_id),
                "url": edit_url.format(int(object_id)),
                "movable": int(object_id) in movable,
                "overdue": go_live < overdue_before,
                # The posts it will make when it goes live: channel and planned time.
                "posts": planned.get(object_id, []),
            },
        }
        for object_id, title, go_live, _choices, _legacy in rows
    ]


def _planned_posts(user: Any, rows: list) -> dict[str, list[dict]]:
    """{page id: [{"channel", "platform", "start"}]} for the scheduled revisions in ``rows``:
    the channels ticked in each revision that the user may see (one query), at the time
    ``timing.planned_times`` predicts (two queries at most)."""
    pages = []
    for object_id, _title, go_live, choices, legacy in rows:
        content = {RELATION_NAME: choices or [], LEGACY_RELATION_NAME: legacy or []}
        ticked = [c for c in choices_in_content(content).values() if c.enabled]
        if ticked:
            pages.append((object_id, go_live, ticked))
    if not pages:
        return {}
    ids = {c.channel_id for _key, _live, ticked in pages for c in ticked}
    channels = {
        pk: (name, platform)
        for pk, name, platform in Channel.objects.visible_to(user)
        .usable()
        .filter(pk__in=ids)
        .values_list("pk", "name", "platform")
    }
    pages = [
        (key, live, [c for c in ticked if c.channel_id in channels]) for key, live, ticked in pages
    ]
    planned = timing.planned_times([page for page in pages if page[2]])
    return {
        key: [
            {
                "channel": channels[channel_id][0],
                "platform": channels[channel_id][1],
                "start": when.isoformat(),
            }
            for channel_id, when in times
        ]
        for key, times in planned.items()
    }


def _publishable(page_ids: set[int], user: Any) -> set[int]:
    """Those of ``page_ids`` that ``user`` may publish (one query)."""
    if not page_ids:
        return set()
    from wagtail.permission_policies.pages import PagePermissionPolicy

    allowed = PagePermissionPolicy().instances_user_has_permission_for(user, "publish")
    return set(allowed.filter(pk__in=page_ids).values_list("pk", flat=True))


def posts(user: Any, start: datetime, end: datetime, filters: Filters) -> list[dict]:
    """Waiting posts at their due time, the others at the time they were sent (or last tried)."""
    rows = Publication.objects.visible_to(user).filter(channel__in=Channel.objects.visible_to(user))
    if filters.site_id is not None:
        paths = _site_paths(user, filters.site_id) or []
        in_site = Q(pk__in=[])
        for path in paths:
            in_site |= Q(page__path__startswith=path)
        rows = rows.filter(in_site)
    if filters.locale_id is not None:
        rows = rows.filter(page__locale_id=filters.locale_id)
    if filters.channel_id is not None:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.held:
        rows = rows.filter(
            channel__paused_at__isnull=False,
            status=Status.PENDING,
            action=Publication.Action.POST,
        )
    rows = rows.annotate(
        when=Case(
            When(status__in=Publication.IN_FLIGHT_STATUSES, then=F("next_attempt_at")),
            default=Coalesce("sent_at", "updated_at"),
        ),
        words=Substr(Case(When(sent_text="", then=F("message")), default=F("sent_text")), 1, 200),
        unsent=Case(When(sent_text="", then=Value(True)), default=Value(False)),
    ).filter(when__gte=start, when__lt=end)
    log_url = _url_pattern("wagtail_crosspost_log:inspect")
    values = rows.order_by("when", "pk").values_list(
        "pk",
        "when",
        "status",
        "action",
        "page_title",
        "channel__name",
        "channel__platform",
        "channel_id",
        "page_id",
        "words",
        "kind",
        "channel__paused_at",
        "unsent",
    )[:LIMIT]
    can_move = user_can_crosspost(user)
    return [
        {
            "id": f"post-{pk}",
            "title": f"{channel} · {title}",
            "start": when.isoformat(),
            "_moment": when,  # for the warnings, which then drop it (no parsing back)
            "color": COLOURS.get(status, "#5c5c5c"),
            "editable": can_move and status == Status.PENDING,
            "extendedProps": {
                "kind": "post",
                "status": status,
                "action": action,
                "platform": platform,
                "channel": channel_id,
                "page": page_id,
                "words": first_words(_filled(words, title) if unsent else words),
                "url": log_url.format(pk),
                "movable": can_move and status == Status.PENDING,
                # A planned re-share (evergreen): its slot moves with it.
                "reshare": kind == Publication.Kind.RESHARE,
                # A new post held by its channel's pause (it goes out after the resume).
                "paused": paused_at is not None
                and status == Status.PENDING
                and action == Publication.Action.POST,
            },
        }
        for (
            pk,
            when,
            status,
            action,
            title,
            channel,
            platform,
            channel_id,
            page_id,
            words,
            kind,
            paused_at,
            unsent,
        ) in values
    ]


def _filled(message: str, title: str) -> str:
    """A message not sent yet may be a template (a re-share's variant, ``{title}`` and the
    like): its placeholders filled as far as the row knows (the title; the rest empty), never
    shown raw."""
    return text.render(message, text.Parts(title=title))
