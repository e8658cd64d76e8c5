"""Our own click counting: the short link a post carries, and the redirect that counts it.

A channel with click counting switched on sends ``https://<the page's host>/cp/<code>/`` instead
of the page's address (the site includes ``wagtail_crosspost.click_urls`` in its ``urls.py``).
The redirect leads to the page with the channel's UTM parameters and raises one counter per
publication and day. It stores nothing about the person who clicked: no IP address, no cookie,
no user id, no user agent. Link-preview fetchers (Mastodon servers, Bluesky's card fetcher,
Facebook's, LinkedIn's and X's crawlers, chat apps) are sent on but not counted.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..compose.post import PostInputs, with_utm
from ..models import Channel, Publication
from ..url_safety import web_url
from .click_models import ClickCounting, ClickDay, TrackedLink

#: The name of the redirect's route (``click_urls``).
ROUTE = "wagtail_crosspost_click"
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 8  # 62**8: about 2e14 codes, not guessable in bulk

#: User agents of link-preview fetchers and other machines: redirected, never counted.
PREVIEW_AGENTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|http\.rb|mastodon|pleroma|akkoma|misskey|friendica|"
    r"gotosocial|cardyb|bsky|bluesky|facebookexternalhit|facebookcatalog|meta-externalagent|"
    r"linkedinbot|twitterbot|telegrambot|slackbot|slack-imgproxy|discordbot|whatsapp|"
    r"skypeuripreview|embedly|iframely|redditbot|applebot|pinterest|vkshare|"
    r"python-requests|python-urllib|aiohttp|curl/|wget/|go-http-client|okhttp|headlesschrome",
    re.IGNORECASE,
)


def is_preview_fetcher(user_agent: str) -> bool:
    """A machine that fetches the link to build a card (or no user agent at all)."""
    return not user_agent.strip() or bool(PREVIEW_AGENTS.search(user_agent))


def counting_enabled(channel_id: int, channel: Any = None) -> bool:
    """Whether the channel counts clicks. With the channel as the outbox read it (its switch
    joined in), no query."""
    if channel is not None and Channel.click_counting.is_cached(channel):  # type: ignore[attr-defined]
        switch = getattr(channel, "click_counting", None)
        return bool(switch and switch.enabled)
    return ClickCounting.objects.filter(channel_id=channel_id, enabled=True).exists()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def short_url(page_url: str, code: str) -> str:
    """The short link on the page's own host; "" where the site has not included the route."""
    try:
        path = reverse(ROUTE, kwargs={"code": code})
    except NoReverseMatch:
        return ""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def link_for(publication: Any, target: str) -> TrackedLink:
    """The publication's tracked link (made once; a retry sends the same code)."""
    existing = TrackedLink.objects.filter(publication=publication).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return TrackedLink.objects.create(
                    publication=publication, code=new_code(), target=target
                )
        except IntegrityError:
            existing = TrackedLink.objects.filter(publication=publication).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free click code")  # pragma: no cover  (62**8 codes)


def tracked_inputs(publication: Any, inputs: PostInputs) -> PostInputs:
    """The outbox's link hook: with click counting on, the post links to the short redirect,
    and the UTM parameters move to the redirect's target."""
    channel = publication.channel if Publication.channel.is_cached(publication) else None  # type: ignore[attr-defined]
    if not web_url(inputs.url) or not counting_enabled(publication.channel_id, channel):
        return inputs
    target = with_utm(inputs.url, inputs.platform, inputs.options)
    if not short_url(inputs.url, "x" * CODE_LENGTH):
        return inputs  # the site has not included click_urls: the plain link, as before
    link = link_for(publication, target)
    return replace(
        inputs, url=short_url(inputs.url, link.code), options={**inputs.options, "utm": False}
    )


def own_hosts(request: HttpRequest) -> set[str]:
    from wagtail.models import Site

    hosts = {request.get_host().split(":")[0].lower()}
    hosts.update(h.lower() for h in Site.objects.values_list("hostname", flat=True))
    return hosts


def safe_target(target: str, request: HttpRequest) -> str:
    """The target if it is an http(s) address on one of the site's own hosts, else ""."""
    if not web_url(target):
        return ""
    host = (urlsplit(target).hostname or "").lower()
    return target if host in own_hosts(request) else ""


def count(publication_id: int, day: date) -> None:
    """One more click for the publication on the day: one UPDATE, or an INSERT the first time."""
    counters = ClickDay.objects.filter(publication_id=publication_id, day=day)
    if counters.update(clicks=F("clicks") + 1):
        return
    try:
        with transaction.atomic():
            ClickDay.objects.create(publication_id=publication_id, day=day, clicks=1)
    except IntegrityError:  # another click made the row first
        counters.update(clicks=F("clicks") + 1)


@never_cache
@require_safe
def click(request: HttpRequest, code: str) -> HttpResponse:
    """The short link: count (unless a preview fetcher asks) and send on to the page."""
    link = TrackedLink.objects.filter(code=code).only("publication_id", "target").first()
    target = safe_target(link.target, request) if link is not None else ""
    if not target:
        raise Http404  # an unknown code, or a target off the site: nothing counted
    agent = request.headers.get("User-Agent", "")
    if request.method == "GET" and not is_preview_fetcher(agent):
        count(link.publication_id, timezone.now().date())  # type: ignore[union-attr]
    response = HttpResponseRedirect(target)
    response["Referrer-Policy"] = "no-referrer"
    return response
