"""Meta's Graph API platforms: ``graph`` (the shared base, with ``errors``, ``rules`` and
``containers``), ``facebook``, ``instagram`` and ``threads``; ``connect`` connects accounts."""

from .facebook import FacebookAdapter
from .instagram import InstagramAdapter
from .threads import ThreadsAdapter

__all__ = ["FacebookAdapter", "InstagramAdapter", "ThreadsAdapter"]
