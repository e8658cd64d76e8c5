"""X: ``adapter`` posts, ``connect`` connects an account (OAuth 2.0 or OAuth 1.0a)."""

from .adapter import XAdapter

__all__ = ["XAdapter"]
