"""Kept so settings that name ``wagtail_crosspost.adapters.threads`` still work; the adapter
lives in ``adapters/meta/threads.py``."""

from .meta.threads import ThreadsAdapter

__all__ = ["ThreadsAdapter"]
