"""Plain inputs + the platform's rules → the post. Pure: no database, no HTTP.

``outbox.inputs.gather`` collects the inputs (from the published revision, the editor's choice
and the channel); delivery and the editor's preview both call :func:`build_post` on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wagtail_crosspost.adapters.base import PlatformRules, Post

from . import images, text, thread


@dataclass(frozen=True)
class PostInputs:
    """Everything a post is made of, as plain values."""

    platform: str  # the adapter's key: how text is counted and links are found
    title: str = ""
    intro: str = ""
    url: str = ""  # the page's public address, without UTM parameters
    tags: tuple[str, ...] = ()
    site_name: str = ""
    message: str = ""  # the editor's own text for this channel ("" for none)
    options: Mapping[str, Any] = field(default_factory=dict)  # the channel's: template, utm...
    max_parts: int = 1  # how many posts a too-long text may become (1: shorten it)
    image: images.ImageSource | None = None
    image_store: images.VariantStore | None = None  # where made variants are kept and found
    language: str = ""
    idempotency_key: str = ""


def with_utm(url: str, platform: str, options: Mapping[str, Any]) -> str:
    """Add UTM parameters when the channel asks for them (``options["utm"]``), so the site's
    analytics can tell which platform a visitor came from. Existing query values win."""
    if not url or not options.get("utm"):
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (
        ("utm_source", platform),
        ("utm_medium", "social"),
        ("utm_campaign", options.get("utm_campaign") or "crosspost"),
    ):
        query.setdefault(key, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def parts_of(inputs: PostInputs, rules: PlatformRules) -> text.Parts:
    """The values a template is filled with."""
    return text.Parts(
        title=inputs.title,
        intro=inputs.intro,
        url=with_utm(inputs.url, inputs.platform, inputs.options),
        hashtags=text.hashtags(inputs.tags, rules.max_hashtags),
        site_name=inputs.site_name,
    )


def template_of(inputs: PostInputs) -> str:
    """The editor's text (the link added if it has none), else the channel's, else the default."""
    if inputs.message:
        return inputs.message if "{url}" in inputs.message else inputs.message + "\n\n{url}"
    return inputs.options.get("template") or text.DEFAULT_TEMPLATE


def build_post(inputs: PostInputs, rules: PlatformRules) -> tuple[Post, list[str]]:
    """The post, and notes (plain sentences) about what was left out or changed."""
    parts = parts_of(inputs, rules)
    notes: list[str] = []
    media, note = images.prepare_media(inputs.image, rules.image, inputs.image_store)
    if note:
        notes.append(note)
    # With an image, some platforms send the text as a caption with a smaller limit (Telegram).
    limit = rules.caption_limit if media and rules.caption_limit else rules.text_limit
    # Too long: shortened, or continued in replies where the channel asks for a thread.
    body, replies = thread.compose(
        template_of(inputs),
        parts,
        inputs.platform,
        limit,
        rules=rules,
        max_parts=inputs.max_parts,
    )
    post = Post(
        text=body,
        thread=replies,
        link=parts.url,
        title=parts.title,
        description=parts.intro,
        media=(media,) if media else (),
        language=inputs.language,
        idempotency_key=inputs.idempotency_key,
    )
    return post, notes
