"""Which pages a channel may re-share (the pool), and what the channel did with them (history).

A fixed number of queries whatever the size of the pool: the pages with their per-page choice
(one query, joined), the channel's rows (one query), the blackouts (one query), and for "best
performers first" the pages' scores (one query).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet, Sum

from ..metrics.rollup import PublicationFigures
from ..models import Channel, Publication
from .models import Blackout, EvergreenPage, EvergreenSettings, tag_list, variant_texts
from .rules import Candidate

Kind, Status = Publication.Kind, Publication.Status
#: Rows that count as the page having gone out (or going out) on the channel.
COUNTING = (Status.PENDING, Status.SENDING, Status.POSTED, Status.UNKNOWN)


@dataclass(frozen=True)
class PoolPage:
    pk: int
    title: str
    first_published_at: datetime
    expire_at: datetime | None
    choice: str | None  # EvergreenPage.reshare, None: no record (yes)
    until: date | None
    variants: Any


def _tagged(names: list[str]) -> Q:
    """Pages carrying one of the tags ``names`` (any page model's taggit through model)."""
    from taggit.models import ItemBase
    from wagtail.models import Page

    match = Q()
    for name in names:
        match |= Q(tag__name__iexact=name)
    found = Q(pk__in=[])
    for model in apps.get_models():
        if not issubclass(model, ItemBase) or model._meta.abstract:
            continue
        fields = {f.name: f for f in model._meta.get_fields()}
        target = getattr(fields.get("content_object"), "related_model", None)
        if isinstance(target, type) and issubclass(target, Page):
            found |= Q(pk__in=model._default_manager.filter(match).values("content_object_id"))
    return found


def eligible_pages(settings: EvergreenSettings) -> QuerySet:
    """The channel's pool as a query: live pages of its site and language, in the section, of
    the page types, with the tags, not switched off per page. Age and "until" are per slot."""
    from wagtail.models import Page, Site

    channel = settings.channel
    pages = Page.objects.live().filter(depth__gt=1, first_published_at__isnull=False)
    if channel.site_id:
        site = Site.objects.select_related("root_page").get(pk=channel.site_id)
        pages = pages.filter(path__startswith=site.root_page.path)
    if channel.locale_id:
        pages = pages.filter(locale_id=channel.locale_id)
    if settings.section_id:
        section = Page.objects.filter(pk=settings.section_id).values_list("path", flat=True)
        pages = pages.filter(path__startswith=section.first() or "-")
    types = [ct.pk for ct in settings.page_types.all()]
    if types:
        pages = pages.filter(content_type_id__in=types)
    if include := tag_list(settings.include_tags):
        pages = pages.filter(_tagged(include))
    if exclude := tag_list(settings.exclude_tags):
        pages = pages.exclude(_tagged(exclude))
    return pages.exclude(crosspost_evergreen__reshare=EvergreenPage.Choice.NO)


def pool(settings: EvergreenSettings) -> list[PoolPage]:
    rows = eligible_pages(settings).values_list(
        "pk",
        "title",
        "first_published_at",
        "expire_at",
        "crosspost_evergreen__reshare",
        "crosspost_evergreen__until",
        "crosspost_evergreen__variants",
    )
    return [PoolPage(*row) for row in rows.order_by("pk")]


@dataclass
class History:
    last: dict[int, tuple[datetime, str]]  # page id → (when, message) of its latest row
    reshares: dict[int, int]  # page id → re-shares sent or planned
    used: list[datetime]  # when the channel's re-shares went or go out (the caps count them)


def history(channel: Channel) -> History:
    """What the channel posted and re-shared (one query)."""
    rows = Publication.objects.filter(
        channel=channel, action=Publication.Action.POST, status__in=COUNTING
    ).values_list("page_id", "kind", "status", "message", "sent_at", "next_attempt_at")
    found = History({}, {}, [])
    for page_id, kind, status, message, sent_at, due in rows:
        when = sent_at if status in (Status.POSTED, Status.UNKNOWN) and sent_at else due
        if kind == Kind.RESHARE:
            found.used.append(when)
            if page_id is not None:
                found.reshares[page_id] = found.reshares.get(page_id, 0) + 1
        if page_id is not None and (page_id not in found.last or when > found.last[page_id][0]):
            found.last[page_id] = (when, message)
    return found


def scores(channel: Channel) -> dict[int, Fraction]:
    """Page id → interactions (reactions, reposts, replies, quotes) per post, over the page's
    posts and re-shares on ``channel`` that have figures (one query). Exact fractions: the same
    order on every database."""
    rows = (
        PublicationFigures.objects.filter(channel_id=channel.pk, page_id__isnull=False)
        .values("page_id")
        .annotate(total=Sum("interactions"), posts=Count("pk"))
        .order_by()
        .values_list("page_id", "total", "posts")
    )
    return {
        int(page_id): Fraction(int(total or 0), posts)
        for page_id, total, posts in rows
        if page_id is not None and posts
    }


def candidates(
    settings: EvergreenSettings,
    pages: list[PoolPage],
    past: History,
    page_scores: dict[int, Fraction] | None = None,
):
    """The pool as the planner's candidates, with the windows in which each may go out (and,
    for "best performers first", their scores)."""
    page_scores = page_scores or {}
    min_age = timedelta(days=settings.min_age_days)
    max_age = timedelta(days=settings.max_age_days) if settings.max_age_days else None
    for page in pages:
        until = page.expire_at
        if max_age is not None:
            until = _earliest(until, page.first_published_at + max_age)
        if page.choice == EvergreenPage.Choice.UNTIL and page.until:
            end_of_day = datetime.combine(page.until + timedelta(days=1), time(), UTC)
            until = _earliest(until, end_of_day)
        last = past.last.get(page.pk)
        yield Candidate(
            page_id=page.pk,
            last_shared=last[0] if last else None,
            reshares=past.reshares.get(page.pk, 0),
            last_text=last[1] if last else None,
            texts=tuple(variant_texts(page.variants, settings.channel_id)),
            available_from=page.first_published_at + min_age,
            available_until=until,
            score=page_scores.get(page.pk),
            published=page.first_published_at,
        )


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


def blackouts(channels: list[Channel]) -> dict[int, list[Blackout]]:
    """The blackouts of each channel: its own, its site's and everyone's (one query)."""
    rows = list(Blackout.objects.all())
    return {
        channel.pk: [
            b
            for b in rows
            if (b.channel_id is None or b.channel_id == channel.pk)
            and (b.site_id is None or b.site_id == channel.site_id)
        ]
        for channel in channels
    }


def fingerprint(settings: EvergreenSettings, schedule: Any, channel_blackouts: list) -> str:
    """A digest of everything a plan depends on besides the pages: changed rules re-plan."""
    data = [
        [
            getattr(settings, f.attname)
            for f in settings._meta.concrete_fields
            if f.attname not in ("id", "updated_at")
        ],
        sorted(ct.pk for ct in settings.page_types.all()),
        [schedule.slots, schedule.time_zone, schedule.min_gap_minutes] if schedule else None,
        sorted((b.pk, b.starts_at, b.ends_at) for b in channel_blackouts),
    ]
    return hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()[:16]
