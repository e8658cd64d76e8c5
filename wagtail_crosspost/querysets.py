"""The query sets of ``Channel`` and ``Publication``: which rows are usable, due, visible."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class ChannelQuerySet(models.QuerySet):
    def usable(self) -> ChannelQuerySet:
        return self.filter(enabled=True)

    def for_page(self, page: Any, site: Any = None) -> ChannelQuerySet:
        """Enabled channels available to ``page``: its site (or all sites) and its locale."""
        qs = self.usable()
        site_id = getattr(site, "pk", None)
        if site is None and getattr(page, "pk", None) and getattr(page, "path", None):
            from .site_rights import site_id_of

            site_id = site_id_of(page)
        if site_id is not None:
            qs = qs.filter(models.Q(site__isnull=True) | models.Q(site_id=site_id))
        locale_id = getattr(page, "locale_id", None)
        if locale_id:
            qs = qs.filter(models.Q(locale__isnull=True) | models.Q(locale_id=locale_id))
        return qs

    def visible_to(self, user: Any) -> ChannelQuerySet:
        """Channels of the sites ``user`` has rights on (see ``site_rights``)."""
        from .site_rights import visible_channels

        return visible_channels(self, user)


class PublicationQuerySet(models.QuerySet):
    def due(self, now=None) -> PublicationQuerySet:
        now = now or timezone.now()
        status: Any = self.model.Status  # type: ignore[attr-defined]
        return self.filter(
            models.Q(status=status.PENDING, next_attempt_at__lte=now)
            | models.Q(status=status.SENDING, lease_until__lt=now)
        ).exclude(self.held())

    def held(self) -> models.Q:
        """New posts to a channel paused by hand: they wait for the resume, which plans them
        into the next free slots (deletions and updates still go out: a crisis may need them)."""
        return models.Q(action="post", channel__paused_at__isnull=False)

    def visible_to(self, user: Any) -> PublicationQuerySet:
        """Publications of pages in the sites ``user`` has rights on (see ``site_rights``)."""
        from .site_rights import visible_publications

        return visible_publications(self, user)

    def active(self) -> PublicationQuerySet:
        """Rows that stand for a post that exists or is on its way."""
        return self.filter(status__in=self.model.ACTIVE_STATUSES)  # type: ignore[attr-defined]
