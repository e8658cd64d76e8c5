"""Who may post to, approve posts to, or manage which channel.

The rule, one right at a time:

- A right that no group was given on a channel is **not restricted** there: the package's own
  permissions decide, as before rights per channel existed (*Can choose channels to post pages
  to* for posting and approving, Django's *Can change social channel* for managing).
- As soon as one group is given a right on a channel, only members of the groups given that
  right have it there, and still only with the package's own permission: rights per channel
  narrow the package's permissions, they never widen them.
- Active superusers may do everything.

Every check also keeps the site isolation of ``site_rights``: a channel of another site is
nobody's but its site's (and the superusers').
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..permissions import user_can_crosspost
from .models import ChannelRight, GroupChannelPermission

CHANGE_CHANNEL = "wagtail_crosspost.change_channel"
_CACHE_ATTRIBUTE = "_crosspost_channel_rights"

#: Why a row of the Publish-to panel is disabled.
NO_POST_RIGHT = _(
    "Your groups may not post to this channel. An administrator can give them the right in "
    "Settings → Groups."
)


def _restrictions(user: Any, right: str) -> tuple[frozenset[int], frozenset[int]]:
    """(channels where ``right`` is restricted, those of them ``user``'s groups were given)."""
    cache = getattr(user, _CACHE_ATTRIBUTE, None) if user is not None else None
    if cache is not None and right in cache:
        return cache[right]
    rows = GroupChannelPermission.objects.filter(permission=right)
    restricted = frozenset(rows.values_list("channel_id", flat=True).distinct())
    granted: frozenset[int] = frozenset()
    if restricted and getattr(user, "pk", None) is not None:
        mine = rows.filter(group__user=user).values_list("channel_id", flat=True)
        granted = frozenset(mine.distinct())
    answer = (restricted, granted)
    if user is not None:
        if cache is None:
            cache = {}
            setattr(user, _CACHE_ATTRIBUTE, cache)  # one request, one answer
        cache[right] = answer
    return answer


def _is_superuser(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


def channel_ids_with(user: Any, right: str, channel_ids: Iterable[int]) -> set[int]:
    """The ids among ``channel_ids`` where ``user`` holds ``right`` by the groups rule alone
    (without the package's permissions and sites: the callers add those)."""
    ids = set(channel_ids)
    if _is_superuser(user):
        return ids
    restricted, granted = _restrictions(user, right)
    active = user is not None and user.is_active
    return {pk for pk in ids if pk not in restricted or (active and pk in granted)}


def is_restricted(channel: Any, right: str) -> bool:
    return channel.pk in _restrictions(None, right)[0]


def _visible(user: Any, channel: Any) -> bool:
    from ..models import Channel

    return Channel.objects.visible_to(user).filter(pk=channel.pk).exists()


def can_post(user: Any, channel: Any) -> bool:
    """May ``user`` post pages to ``channel`` (tick it, retry or delete its posts)?"""
    return (
        user_can_crosspost(user)
        and bool(channel_ids_with(user, ChannelRight.POST, [channel.pk]))
        and _visible(user, channel)
    )


def can_approve(user: Any, channel: Any) -> bool:
    """May ``user`` approve posts to ``channel`` (for the approval workflow task)?"""
    return (
        user_can_crosspost(user)
        and bool(channel_ids_with(user, ChannelRight.APPROVE, [channel.pk]))
        and _visible(user, channel)
    )


def can_manage(user: Any, channel: Any) -> bool:
    """May ``user`` change ``channel``'s settings, connect, disconnect or delete it?"""
    return (
        bool(user is not None and user.is_active and user.has_perm(CHANGE_CHANNEL))
        and bool(channel_ids_with(user, ChannelRight.MANAGE, [channel.pk]))
        and _visible(user, channel)
    )


def manageable_channels(user: Any) -> Any:
    """The channels ``user`` may manage, as a queryset (the channel admin's edit views)."""
    from ..models import Channel

    visible = Channel.objects.visible_to(user)
    if _is_superuser(user):
        return visible
    if not (user is not None and user.is_active and user.has_perm(CHANGE_CHANNEL)):
        return visible.none()
    restricted, granted = _restrictions(user, ChannelRight.MANAGE)
    return visible.exclude(pk__in=restricted - granted)


def users_with(right: str, channel: Any) -> Any:
    """Active users who hold ``right`` on ``channel`` by a group (not superusers by default)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__crosspost_channel_permissions__channel=channel,
            groups__crosspost_channel_permissions__permission=right,
        )
        .distinct()
    )


def allowed_to_post(user: Any, channels: list[Any]) -> set[int]:
    """The outbox's planning check (registered in ``apps.ready``). No user means the site's own
    code (the Python API, a revision saved by a script): it is trusted, as before. A channel
    nobody restricted keeps today's behaviour exactly."""
    ids = [channel.pk for channel in channels]
    if user is None:
        return set(ids)
    return channel_ids_with(user, ChannelRight.POST, ids)
