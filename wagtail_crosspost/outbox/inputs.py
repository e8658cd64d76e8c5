"""The one place that gathers what ``compose.post.build_post`` needs: the page (as published),
the editor's choice for the channel, the image's file and the channel's rules.

Delivery gathers for an outbox row; the editor's preview gathers for the page being edited and
then puts in what the editor has typed but not saved.
"""

from __future__ import annotations

from typing import Any

from .. import conf
from ..adapters.base import Adapter, PlatformRules, thread_max_parts
from ..compose import text
from ..compose.post import PostInputs
from . import batch, images, links, page_read

#: ``gather(image=...)`` default: the editor's chosen image if any, else the page's.
PAGE_IMAGE: Any = object()


def page_url(page: Any) -> str:
    custom = conf.get("PAGE_URL")
    if custom:
        if isinstance(custom, str):
            from django.utils.module_loading import import_string

            custom = import_string(custom)
        return custom(page)
    return page.get_full_url() or ""


def gather(
    adapter: Adapter,
    page: Any,
    *,
    message: str = "",
    image: Any = PAGE_IMAGE,
    image_id: int | None = None,
    idempotency_key: str = "",
    live_rules: bool = True,
    extra_options: dict[str, Any] | None = None,
) -> tuple[PostInputs, PlatformRules]:
    """The inputs for a post of ``page`` on ``adapter``'s channel, and the channel's rules.

    ``image``: a Wagtail image or None; by default the image ``image_id`` names, else the
    page's. ``live_rules``: ask the platform for its current limits where it has them (may be an
    HTTP call); False uses what is cached (the preview, which must answer while the editor types).
    """
    rules = batch.rules_for(adapter) if live_rules else adapter.cached_rules()
    if image is PAGE_IMAGE:
        image = _image(image_id) or (images.page_image(page) if page is not None else None)
    inputs = PostInputs(
        platform=adapter.key,
        message=message or "",
        options={**adapter.options, **(extra_options or {})},
        max_parts=thread_max_parts(adapter),
        image=images.source_of(image) if image is not None else None,
        image_store=images.RenditionStore(image) if image is not None else None,
        idempotency_key=idempotency_key,
        **(_page_fields(page) if page is not None else {}),
    )
    return inputs, rules


def for_publication(publication: Any, adapter: Adapter) -> tuple[PostInputs, PlatformRules]:
    """The inputs for one outbox row: its revision's content and the editor's choice; the link
    as the link hook (our own click counting) wants it."""
    inputs, rules = gather(
        adapter,
        published_page(publication),
        message=publication.message,
        image_id=publication.image_id_override,
        idempotency_key=publication.idempotency_key,
        extra_options=reshare_options(publication),
    )
    return links.apply(publication, inputs), rules


def reshare_options(publication: Any) -> dict[str, Any] | None:
    """A re-share's link tells it apart from the first post (when the channel has UTM on):
    ``utm_campaign=evergreen`` and ``utm_content=<n>``, the page's n-th re-share."""
    if getattr(publication, "kind", "") != "reshare":
        return None
    return reshare_link_options(publication.generation)


def reshare_link_options(number: int) -> dict[str, Any]:
    """The options of the page's ``number``-th re-share (the preview counts with them too)."""
    return {"utm_campaign": "evergreen", "utm_content": str(number)}


def _page_fields(page: Any) -> dict[str, Any]:
    intro = ""
    for name in conf.get("INTRO_FIELD_NAMES"):
        value = getattr(page, name, None)
        if value:
            intro = text.plain_text(value)
            break
    intro = intro or (page.search_description or "").strip()
    # In the order the edit form shows them (and the preview reads them): sorted by name.
    tag_names = sorted(page_read.tag_names(page))
    url = page_url(page)
    return {
        "title": page.title,
        "intro": intro,
        "url": url,
        "tags": tuple(tag_names),
        "site_name": page_read.site_name(page),
        "language": getattr(getattr(page, "locale", None), "language_code", "") or "",
    }


def _image(image_id: Any) -> Any:
    if not image_id or not str(image_id).isdigit():
        return None
    from wagtail.images import get_image_model

    return get_image_model().objects.filter(pk=image_id).first()


def published_page(publication: Any) -> Any:
    """The page as the row's revision has it. While that revision is the live one, the live page
    is the same content: one query instead of rebuilding the page from the revision's JSON."""
    page, revision_id = publication.page, publication.revision_id
    if revision_id is None or (page is not None and page.live_revision_id == revision_id):
        model = page.specific_class or type(page)
        # With its locale (post.language), tags and site name: one query.
        live = page_read.read(model, page)
        # Checked again on the page just read: published again since the claim read it, the live
        # page is the newer revision's content, not this row's.
        if revision_id is None or live.live_revision_id == revision_id:
            return live
    return publication.revision.as_object()
