"""Signed preview links: a reviewer without an admin login sees a page's planned posts and
approves them or asks for changes (``WAGTAILCROSSPOST_PREVIEW_LINKS``, off by default).

The link is a secret: it carries a random key signed with the site's SECRET_KEY, expires
(``PREVIEW_LINK_DAYS``, 14 by default), can be revoked, and every request is counted against a
per-link, per-address limit (``PREVIEW_LINK_RATE`` a minute, in Django's cache).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from .. import conf
from .models import PreviewLink

SALT = "wagtail_crosspost.review.preview_link"
WINDOW_SECONDS = 60


def enabled() -> bool:
    return bool(conf.get("PREVIEW_LINKS"))


def create(page: Any, user: Any = None) -> tuple[PreviewLink, str]:
    """A new link for ``page``: the row and the token for its URL (shown once)."""
    link = PreviewLink.objects.create(
        page=page,
        key=secrets.token_hex(16),
        created_by=user,
        expires_at=timezone.now() + timedelta(days=int(conf.get("PREVIEW_LINK_DAYS"))),
    )
    return link, token_for(link)


def token_for(link: PreviewLink) -> str:
    # No timestamp in it: the expiry is the row's, so that revoking and extending stay possible.
    return signing.Signer(salt=SALT).sign(link.key)


def resolve(token: str) -> PreviewLink | None:
    """The live link a token names; None when tampered with, revoked, expired, or turned off."""
    if not enabled():
        return None
    try:
        key = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    link = PreviewLink.objects.filter(key=str(key)).select_related("page").first()
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        return None
    return link


def revoke(link: PreviewLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def rate_limited(token: str, address: str) -> bool:
    """Count one request; True once the link and address made more than the limit this
    minute. The cache key holds a hash, never the token."""
    digest = hashlib.sha256(f"{token}|{address}".encode()).hexdigest()[:32]
    key = f"wagtail_crosspost:preview_link:{digest}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > int(conf.get("PREVIEW_LINK_RATE"))


def current_approval(page: Any) -> tuple[Any, Any] | None:
    """(task, task state) when the page waits at a *Social media approval* step, else None."""
    from .models import SocialMediaApprovalTask

    state = page.current_workflow_task_state
    if state is None or state.status != "in_progress":
        return None
    task = state.task.specific
    return (task, state) if isinstance(task, SocialMediaApprovalTask) else None
