"""The calendar's data: scheduled pages, waiting posts and sent posts between two moments.

Filtered to what the user may see (``site_rights``: the sites they work on, and the channels of
those sites) and by channel, site and status. A fixed number of queries whatever the number of
rows, so a busy month costs what a quiet one does (benchmarks/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from ..models import Channel, Publication
from ..site_rights import site_ids_for, site_root_paths

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
    status: str = ""  # a Publication status, or "scheduled" for pages only

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        def number(name: str) -> int | None:
            value = query.get(name, "")
            return int(value) if str(value).isdigit() else None

        status = query.get("status", "")
        known = status in Status.values or status == "scheduled"
        return cls(number("channel"), number("site"), status if known else "")


def entries(user: Any, start: datetime, end: datetime, filters: Filters) -> list[dict]:
    """The calendar entries between ``start`` and ``end`` that ``user`` may see."""
    found = []
    if filters.status in ("", "scheduled") and filters.channel_id is None:
        found += scheduled_pages(user, start, end, filters)
    if filters.status != "scheduled":
        found += posts(user, start, end, filters)
    return found


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
    if paths is not None:
        pages = Page.objects.none()
        for path in paths:
            pages |= Page.objects.filter(path__startswith=path)
        revisions = revisions.filter(object_id__in=[str(pk) for pk in pages.values_list("pk")])
    edit_url = _url_pattern("wagtailadmin_pages:edit")
    rows = revisions.order_by("approved_go_live_at").values_list(
        "object_id", "object_str", "approved_go_live_at"
    )[:LIMIT]
    return [
        {
            "id": f"page-{object_id}",
            "title": title,
            "start": go_live.isoformat(),
            "color": COLOURS["scheduled"],
            "extendedProps": {
                "kind": "page",
                "status": "scheduled",
                "url": edit_url.format(int(object_id)),
            },
        }
        for object_id, title, go_live in rows
    ]


def posts(user: Any, start: datetime, end: datetime, filters: Filters) -> list[dict]:
    """Waiting posts at their due time, the others at the time they were sent (or last tried)."""
    rows = Publication.objects.visible_to(user).filter(channel__in=Channel.objects.visible_to(user))
    if filters.site_id is not None:
        paths = _site_paths(user, filters.site_id) or []
        in_site = Q(pk__in=[])
        for path in paths:
            in_site |= Q(page__path__startswith=path)
        rows = rows.filter(in_site)
    if filters.channel_id is not None:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    rows = rows.annotate(
        when=Case(
            When(status__in=Publication.IN_FLIGHT_STATUSES, then=F("next_attempt_at")),
            default=Coalesce("sent_at", "updated_at"),
        )
    ).filter(when__gte=start, when__lt=end)
    log_url = _url_pattern("wagtail_crosspost_log:inspect")
    values = rows.order_by("when", "pk").values_list(
        "pk", "when", "status", "action", "page_title", "channel__name", "channel__platform"
    )[:LIMIT]
    return [
        {
            "id": f"post-{pk}",
            "title": f"{channel} · {title}",
            "start": when.isoformat(),
            "color": COLOURS.get(status, "#5c5c5c"),
            "extendedProps": {
                "kind": "post",
                "status": status,
                "action": action,
                "platform": platform,
                "url": log_url.format(pk),
            },
        }
        for pk, when, status, action, title, channel, platform in values
    ]
