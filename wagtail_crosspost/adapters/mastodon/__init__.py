"""Mastodon: ``adapter`` posts, ``connect`` connects an account (OAuth on the named server)."""

from .adapter import MastodonAdapter

__all__ = ["MastodonAdapter"]
