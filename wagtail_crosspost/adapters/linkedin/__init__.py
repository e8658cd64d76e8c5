"""LinkedIn: ``adapter`` posts as a member or a Page, ``connect`` connects one with OAuth 2."""

from .adapter import LinkedInAdapter

__all__ = ["LinkedInAdapter"]
