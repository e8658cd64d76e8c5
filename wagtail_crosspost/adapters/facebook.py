"""Kept so settings that name ``wagtail_crosspost.adapters.facebook`` still work; the adapter
lives in ``adapters/meta/facebook.py``."""

from .meta.facebook import FacebookAdapter

__all__ = ["FacebookAdapter"]
