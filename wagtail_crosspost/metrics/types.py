"""The figures' data types for the layers above the adapters (re-exported from the contract)."""

from wagtail_crosspost.adapters.figures import (
    FIGURES,
    GONE,
    OFF,
    PLATFORM,
    REASONS,
    REMOVED,
    SCOPE,
    TIER,
    Metrics,
    RemotePost,
    count,
)

__all__ = [
    "FIGURES",
    "GONE",
    "OFF",
    "PLATFORM",
    "REASONS",
    "REMOVED",
    "SCOPE",
    "TIER",
    "Metrics",
    "RemotePost",
    "count",
]
