"""Which sites a user has rights on, read from Wagtail's page permissions.

A user has rights on a site when they are an active superuser, or when one of their groups has
the *add*, *edit* or *publish* page permission on a page inside that site, on its root page, or
on one of the root page's ancestors (a permission on the tree's root covers every site).
``Publication.objects.visible_to(user)`` and ``Channel.objects.visible_to(user)`` are built on it.
"""

from __future__ import annotations

from typing import Any

# Page permissions that let a user work on pages (Wagtail's PAGE_PERMISSION_TYPES).
EDITING_PERMISSIONS = ("add", "change", "publish")

_CACHE_ATTRIBUTE = "_crosspost_site_ids"


def site_ids_for(user: Any) -> frozenset[int] | None:
    """The ids of the sites ``user`` has rights on; ``None`` means every site (superuser)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    from wagtail.models import GroupPagePermission, Site

    codenames = [f"{name}_page" for name in EDITING_PERMISSIONS]
    granted = set(
        GroupPagePermission.objects.filter(
            group__user=user, permission__codename__in=codenames
        ).values_list("page__path", flat=True)
    )
    ids = frozenset(
        site_id
        for site_id, root_path in Site.objects.values_list("pk", "root_page__path")
        if root_path
        and any(root_path.startswith(path) or path.startswith(root_path) for path in granted)
    )
    setattr(user, _CACHE_ATTRIBUTE, ids)  # one request, one answer
    return ids


def site_root_paths(site_ids: frozenset[int]) -> list[str]:
    from wagtail.models import Site

    return list(
        Site.objects.filter(pk__in=site_ids)
        .exclude(root_page=None)
        .values_list("root_page__path", flat=True)
    )


def visible_channels(channels: Any, user: Any) -> Any:
    """Channels of the sites ``user`` has rights on, and those for every site (no site) if
    they have rights on any site."""
    from django.db.models import Q

    site_ids = site_ids_for(user)
    if site_ids is None:
        return channels.all()
    if not site_ids:
        return channels.none()
    return channels.filter(Q(site__isnull=True) | Q(site_id__in=site_ids))


def visible_publications(publications: Any, user: Any) -> Any:
    """Publications of pages in the sites ``user`` has rights on. A row whose page was deleted
    belongs to its channel's site; with no channel site either, only superusers see it."""
    from django.db.models import Q

    site_ids = site_ids_for(user)
    if site_ids is None:
        return publications.all()
    if not site_ids:
        return publications.none()
    in_sites = Q(page__isnull=True, channel__site_id__in=site_ids)
    for path in site_root_paths(site_ids):
        in_sites |= Q(page__path__startswith=path)
    return publications.filter(in_sites)


def site_id_of(page: Any) -> int | None:
    """The id of the page's site, as ``page.get_site()`` finds it, without loading the Site."""
    from wagtail.models import Page

    if type(page).get_site is not Page.get_site:  # a page type that decides its site itself
        site = page.get_site()
        return site.pk if site is not None else None
    parts = page.get_url_parts()  # what Page.get_site() reads; the site root paths are cached
    return parts[0] if parts is not None else None
