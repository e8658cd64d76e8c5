"""Kept so settings that name ``wagtail_crosspost.adapters.instagram`` still work; the adapter
lives in ``adapters/meta/instagram.py``."""

from .meta.instagram import InstagramAdapter

__all__ = ["InstagramAdapter"]
