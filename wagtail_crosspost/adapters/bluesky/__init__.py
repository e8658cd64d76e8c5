"""Bluesky: ``adapter`` posts over ``atproto`` (with ``session`` and ``embed``); accounts connect
with an app password (the adapter's credential form)."""

from .adapter import BlueskyAdapter

__all__ = ["BlueskyAdapter"]
