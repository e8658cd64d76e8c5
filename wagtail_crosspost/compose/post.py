"""Publication → Post: the published revision's content, adapted to the channel's platform."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from wagtail_crosspost import conf
from wagtail_crosspost.adapters.base import Adapter, Post, thread_max_parts

from . import images, text, thread


def page_url(page: Any) -> str:
    custom = conf.get("PAGE_URL")
    if custom:
        if isinstance(custom, str):
            from django.utils.module_loading import import_string

            custom = import_string(custom)
        return custom(page)
    return page.get_full_url() or ""


def with_utm(url: str, platform: str, options: dict[str, Any]) -> str:
    """Add UTM parameters when the channel asks for them (``options["utm"]``), so the site's
    analytics can tell which platform a visitor came from. Existing query values win."""
    if not url or not options.get("utm"):
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in (
        ("utm_source", platform),
        ("utm_medium", "social"),
        ("utm_campaign", options.get("utm_campaign") or "crosspost"),
    ):
        query.setdefault(key, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def page_parts(page: Any, hashtag_limit: int | None = None) -> text.Parts:
    intro = ""
    for name in conf.get("INTRO_FIELD_NAMES"):
        value = getattr(page, name, None)
        if value:
            intro = text.plain_text(value)
            break
    intro = intro or (page.search_description or "").strip()
    tags = getattr(page, "tags", None)
    tag_names = [t.name for t in tags.all()] if tags is not None and hasattr(tags, "all") else []
    site = page.get_site() if getattr(page, "path", None) else None
    return text.Parts(
        title=page.title,
        intro=intro,
        url=page_url(page),
        hashtags=text.hashtags(tag_names, hashtag_limit),
        site_name=getattr(site, "site_name", "") or "",
    )


def published_page(publication: Any) -> Any:
    """The page as the row's revision has it. While that revision is the live one, the live page
    is the same content: one query instead of rebuilding the page from the revision's JSON."""
    page, revision_id = publication.page, publication.revision_id
    if revision_id is None or (page is not None and page.live_revision_id == revision_id):
        model = page.specific_class or type(page)
        live = model._default_manager.select_related("locale").get(pk=page.pk)  # post.language
        # Checked again on the page just read: published again since the claim read it, the live
        # page is the newer revision's content, not this row's.
        if revision_id is None or live.live_revision_id == revision_id:
            return live
    return publication.revision.as_object()


def build_post(publication: Any, adapter: Adapter) -> tuple[Post, list[str]]:
    """The post for one outbox row, and notes (plain sentences) about what was left out."""
    page = published_page(publication)
    rules = adapter.rules_for_channel()
    parts = page_parts(page, rules.max_hashtags)
    parts = replace(parts, url=with_utm(parts.url, adapter.key, adapter.options))
    notes: list[str] = []
    template = publication.message or adapter.options.get("template") or text.DEFAULT_TEMPLATE
    if publication.message and "{url}" not in publication.message:
        template = publication.message + "\n\n{url}"
    image = None
    if publication.image_id_override:
        from wagtail.images import get_image_model

        image = get_image_model().objects.filter(pk=publication.image_id_override).first()
    image = image or images.page_image(page)
    media, note = images.prepare_media(image, rules.image)
    if note:
        notes.append(note)
    # With an image, some platforms send the text as a caption with a smaller limit (Telegram).
    limit = rules.caption_limit if media and rules.caption_limit else rules.text_limit
    # Too long: shortened, or continued in replies where the channel asks for a thread.
    body, replies = thread.compose(
        template, parts, adapter.key, limit, rules=rules, max_parts=thread_max_parts(adapter)
    )
    return (
        Post(
            text=body,
            thread=replies,
            link=parts.url,
            title=parts.title,
            description=parts.intro,
            media=(media,) if media else (),
            language=getattr(getattr(page, "locale", None), "language_code", "") or "",
            idempotency_key=publication.idempotency_key,
        ),
        notes,
    )
