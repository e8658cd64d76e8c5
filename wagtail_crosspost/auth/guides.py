"""Where the guides for connecting each platform live (linked from the admin's screens)."""

from __future__ import annotations

#: Where the guides live; a platform's page explains how to register the site's app there.
DOCS_URL = "https://wagtail-crosspost.readthedocs.io/en/latest/"
PLATFORM_GUIDES = ("bluesky", "facebook", "instagram", "linkedin", "mastodon", "threads", "x")


def guide_url(platform: str) -> str:
    """The guide for connecting ``platform`` (the general one for platforms without their own)."""
    page = platform if platform in PLATFORM_GUIDES else "connect-accounts"
    return f"{DOCS_URL}how-to/{page}/"
