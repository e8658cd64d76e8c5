"""Engagement figures: what ``Adapter.fetch_metrics`` answers for one post.

Part of the adapter contract (``wagtail_crosspost.metrics.types`` re-exports it for the layers
above). ``None`` means "the platform did not give this figure" and is never the same as 0: the
reason is in ``unavailable`` (a code from ``REASONS``), shown to editors as "–".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

#: The six figures, in the order they are shown.
FIGURES = ("reactions", "reposts", "replies", "quotes", "views", "clicks")

# Why a figure is missing (values of ``Metrics.unavailable``).
SCOPE = "scope"  # the connection lacks the permission (scope) that reads it
TIER = "tier"  # the platform's paid tier or programme is needed
PLATFORM = "platform"  # the platform does not give this figure at all
REMOVED = "removed"  # the platform has removed this metric from its API
GONE = "gone"  # the post no longer exists on the platform
OFF = "off"  # the channel has figures switched off

REASONS: dict[str, Any] = {
    SCOPE: _("the connection lacks the permission to read it"),
    TIER: _("the platform's paid access tier is needed"),
    PLATFORM: _("the platform does not give this figure"),
    REMOVED: _("the platform has removed this metric"),
    GONE: _("the post no longer exists on the platform"),
    OFF: _("figures are switched off for this channel"),
}


class MetricsTarget(Protocol):
    """What ``fetch_metrics`` needs of a post: a publication (or anything hashable like it)."""

    remote_id: str


@dataclass(frozen=True)
class RemotePost:
    """A post by its remote id alone (tests, the contract kit, the benchmark)."""

    remote_id: str
    remote_url: str = ""


@dataclass
class Metrics:
    """One post's figures at one moment."""

    reactions: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    clicks: int | None = None
    #: The platform's answer for this post, as given (kept with the snapshot).
    raw: dict[str, Any] = field(default_factory=dict)
    #: figure -> reason code (``SCOPE``, ``TIER``, ``PLATFORM``, ``REMOVED``, ``GONE``, ``OFF``).
    unavailable: dict[str, str] = field(default_factory=dict)

    def figures(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIGURES}

    def mark(self, reason: str, *names: str) -> Metrics:
        """Record ``reason`` for figures that are None (all of ``names``); returns self."""
        for name in names:
            if getattr(self, name) is None:
                self.unavailable.setdefault(name, reason)
        return self

    @classmethod
    def gone(cls, raw: dict[str, Any] | None = None) -> Metrics:
        """The post is no longer on the platform: every figure None, reason ``GONE``."""
        return cls(raw=dict(raw or {}), unavailable=dict.fromkeys(FIGURES, GONE))


def count(value: Any) -> int | None:
    """A platform's number as int; None when it is absent or not a number (never 0 for "–")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None
