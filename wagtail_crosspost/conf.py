"""Settings (``WAGTAILCROSSPOST_*``) with their defaults, read lazily on every access."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ADAPTERS": [],  # extra adapter classes by dotted path
    "PLATFORMS": {},  # per-platform app credentials, e.g. {"linkedin": {"CLIENT_ID": ...}}
    "DRY_RUN": False,
    "TASK_BACKEND": "default",
    "QUEUE": "default",
    "ENCRYPTION_KEYS": None,  # list of Fernet keys; default derives one from SECRET_KEY
    "PAGE_URL": None,  # callable(page, request=None) -> absolute URL, for headless front ends
    "AUTO_PANEL": True,
    "SHOW_DEV_ADAPTERS": False,  # offer console, locmem and other offline adapters without DEBUG
    "IMAGE_FIELD": None,  # name of the page's image field; default: first of IMAGE_FIELD_NAMES
    "IMAGE_FIELD_NAMES": ("crosspost_image", "feed_image", "image", "header_image", "hero_image"),
    "INTRO_FIELD_NAMES": ("intro", "summary", "excerpt", "lead"),
    "BASE_URL": None,  # absolute base URL when a Site has no usable hostname (media for IG)
    "MAX_ATTEMPTS": 8,
    "RETRY_BASE_SECONDS": 30,
    "RETRY_MAX_SECONDS": 6 * 3600,
    "LEASE_SECONDS": 300,
    # With the immediate task backend: deliver in a thread of the web process after the commit,
    # so Publish never waits for a platform; rows left behind go out with a later request.
    "DELIVER_IN_BACKGROUND": True,
    "PLAN_AFTER_COMMIT": True,  # the Publish records the posts to plan; planning runs after it
    "BACKGROUND_SWEEP_SECONDS": 60,  # at most one piggyback sweep a minute per process
    "BACKGROUND_SWEEP_BATCH": 50,
    "TASK_SECONDS": 20,  # a deliver_rows task takes no new row after this; the rest: a new task
    "HANDOVER_TASKS": 2,  # "deliver these rows" tasks per publish; None: one per row
    "WORKER_CONCURRENCY": 4,  # sends in flight per worker (threads; always 1 on SQLite)
    "CHANNEL_CONCURRENCY": 1,  # sends in flight per channel in one worker
    "BREAKER_THRESHOLD": 5,  # consecutive failed attempts before a channel pauses
    "BREAKER_PAUSE_SECONDS": 15 * 60,
    "HTTP_TIMEOUT": (5, 30),  # (connect, read) seconds
    "HTTP_DEADLINE": 120,  # seconds for a whole request, answer included (a drip is cut off)
    "RETRY_AFTER_MAX_SECONDS": 24 * 3600,  # a platform's Retry-After hint is capped here
    "ALLOW_PRIVATE_URLS": False,  # allow webhook/server URLs on loopback or private networks
    # crosspost_deliver also runs Wagtail's publish_scheduled, so scheduled pages go live (and
    # post) without a cron line of their own.
    "PUBLISH_SCHEDULED": False,
    # "@user@server": printed by {% crosspost_fediverse_creator %} when a page has no handle
    "FEDIVERSE_CREATOR": "",
    # e-mail channel managers and page editors when a post fails or a channel needs reconnecting
    "NOTIFICATIONS": True,
    # signed preview links for reviewers without an admin login (review.links): off by default
    # the daily digest of notices goes out at this hour, in each recipient's time zone
    "DIGEST_HOUR": 8,
    # notices seen this many days ago are deleted (None: kept for ever); unseen ones are kept
    "NOTICE_RETENTION_DAYS": 90,
    "PREVIEW_LINKS": False,
    "PREVIEW_LINK_DAYS": 14,
    "PREVIEW_LINK_RATE": 30,  # requests per link and address per minute
    # the calendar warns when a page goes to the same channel again within this many days
    "REPEAT_WARNING_DAYS": 7,
}


def get(name: str) -> Any:
    return getattr(settings, f"WAGTAILCROSSPOST_{name}", DEFAULTS[name])
