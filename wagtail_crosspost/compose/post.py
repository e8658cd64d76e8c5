"""Plain inputs + the platform's rules → the post. Pure: no database, no HTTP.

``outbox.inputs.gather`` collects the inputs (from the published revision, the editor's choice
and the channel); delivery and the editor's preview both call :func:`build_post` on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wagtail_crosspost.adapters import links
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
    if options.get("utm_content"):  # a re-share: which one (the first post has none)
        query.setdefault("utm_content", str(options["utm_content"]))
    return urlunsplit(parts._replace(query=urlencode(query)))


def link_of(inputs: PostInputs) -> str:
    """The page's address as API fields get it (link cards): with UTM, plain ASCII (a URI)."""
    return links.as_uri(with_utm(inputs.url, inputs.platform, inputs.options))


def parts_of(inputs: PostInputs, rules: PlatformRules) -> text.Parts:
    """The values a template is filled with. The link in the text is an IRI where the platform
    takes one (``rules.iri_links``), else the URI."""
    return text.Parts(
        title=inputs.title,
        intro=inputs.intro,
        url=links.as_sent(link_of(inputs), rules.iri_links),
        hashtags=text.hashtags(inputs.tags, rules.max_hashtags),
        site_name=inputs.site_name,
    )


def template_of(inputs: PostInputs) -> str:
    """The editor's text (the link added if it has none), else the channel's, else the default."""
    if inputs.message:
        return inputs.message if "{url}" in inputs.message else inputs.message + "\n\n{url}"
    return inputs.options.get("template") or text.DEFAULT_TEMPLATE


@dataclass(frozen=True)
class Additions:
    """What the post gets beyond the words the editor sees in the form (the counter says so)."""

    hashtags: int = 0  # hashtags made from the page's tags
    tracking: bool = False  # UTM parameters added to the link
    link: bool = False  # the page's link added to the editor's own text

    def __bool__(self) -> bool:
        return bool(self.hashtags or self.tracking or self.link)


def additions_of(inputs: PostInputs, rules: PlatformRules) -> Additions:
    """The additions in the text that ``build_post`` starts from (before any shortening)."""
    template = template_of(inputs)
    has_url = "{url}" in template and bool(inputs.url)
    tags = parts_of(inputs, rules).hashtags
    return Additions(
        hashtags=len(tags.split()) if "{hashtags}" in template else 0,
        tracking=has_url and with_utm(inputs.url, inputs.platform, inputs.options) != inputs.url,
        link=has_url and bool(inputs.message) and "{url}" not in inputs.message,
    )


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
        link=link_of(inputs),
        title=parts.title,
        description=parts.intro,
        media=(media,) if media else (),
        language=inputs.language,
        idempotency_key=inputs.idempotency_key,
    )
    return post, notes
