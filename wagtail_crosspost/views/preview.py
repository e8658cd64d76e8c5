"""Live preview for the editor: the post exactly as it would be sent, counted by the same code
that sends it (one source of truth for the counter), and the image variant."""

from __future__ import annotations

import operator
from dataclasses import replace
from functools import reduce
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.models import Page

from ..compose import text
from ..compose.length import limit_for, measure, overruns
from ..compose.post import Additions, additions_of, build_post, parts_of, template_of
from ..models import Channel
from ..outbox import inputs as post_inputs
from ..outbox.images import lacks_alt_text, page_image
from ..permissions import CROSSPOST_PAGE, image_edit_url

WARN_RATIO = 0.9  # the counter turns amber at 90 % of the limit


def _bad_id(request) -> str | None:
    """A readable error when an id the preview reads is not a whole number, else None."""
    for key in ("channel", "page", "override_image", "image"):
        value = request.POST.get(key, "")
        if (value or key == "channel") and not (
            value.isascii() and value.isdigit() and int(value) < 2**63
        ):
            return _("“%(name)s” must be the id (a whole number) of an existing object.") % {
                "name": key
            }
    return None


@require_POST
def preview(request) -> JsonResponse:
    error = _bad_id(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    channel = Channel.objects.visible_to(request.user).filter(pk=request.POST["channel"]).first()
    if channel is None:
        return JsonResponse({"error": _("There is no such channel.")}, status=404)
    try:
        page = _page_for(request)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not edit this page.")}, status=403)
    adapter = channel.get_adapter()
    # The same inputs and the same function as delivery; never a network call while the editor
    # types (cached rules), and the fields the editor has typed but not saved win.
    image = _image_for(request, page, channel)
    # A re-share's text (an evergreen variant): counted with the re-share's link (its UTM).
    reshare = request.POST.get("reshare", "")
    inputs, rules = post_inputs.gather(
        adapter,
        page,
        message=request.POST.get("message", ""),
        image=image,
        live_rules=False,
        extra_options=post_inputs.reshare_link_options(int(reshare))
        if reshare.isascii() and reshare.isdigit() and 0 < int(reshare) < 10_000
        else None,
    )
    inputs = replace(
        inputs,
        title=request.POST.get("title", inputs.title),
        intro=text.plain_text(request.POST.get("intro", "")) or inputs.intro,
        url=inputs.url or "https://example.com/" + _("your-page") + "/",
        tags=_tags_for(request, page, inputs.tags),
    )
    post, notes = build_post(inputs, rules)
    platform = adapter.key
    limit = limit_for(platform, rules=rules)
    raw = text.render(template_of(inputs), parts_of(inputs, rules))
    raw_count = measure(raw, platform, rules=rules)
    final, replies = post.text, post.thread
    data: dict[str, Any] = {
        "channel": channel.pk,
        "platform": platform,
        "text": final,
        "count": raw_count,
        "final_count": measure(final, platform, rules=rules),
        "limit": limit,
        "state": _state(raw_count, limit),
        # What the counter under the text field shows, counted as the platform counts.
        "count_label": ngettext(
            "%(count)s / %(limit)s character", "%(count)s / %(limit)s characters", limit
        )
        % {"count": raw_count, "limit": limit},
        # What the text gets beyond the editor's words: "+ 3 hashtags, + tracking link".
        "additions_label": additions_label(additions_of(inputs, rules)),
        # With a thread, only text beyond its last post is shortened (that post ends in "…").
        "shortened": replies[-1].rsplit(" ", 1)[0].endswith(text.ELLIPSIS)
        if replies
        else final != raw,
        # The replies of a thread (reply chain), in order; empty when the text fits one post.
        "thread": list(replies),
        "thread_label": ngettext(
            "Continues in %(count)s reply (a thread, or reply chain):",
            "Continues in %(count)s replies (a thread, or reply chain):",
            len(replies),
        )
        % {"count": len(replies)}
        if replies
        else "",
        "problems": overruns(raw, platform, rules=rules),
        "image": None,
    }
    if post.media:
        media = post.media[0]
        data["image"] = {
            "url": media.url,
            "width": media.width,
            "height": media.height,
            "alt": media.alt_text,
            "bytes": len(media.content),
            # No description: the title is sent as alt text (the panel says so, with a link).
            "alt_missing": "alt_text" in adapter.supports and lacks_alt_text(image),
            "edit_url": image_edit_url(request.user, image),
        }
    data["notes"] = notes
    return JsonResponse(data)


def additions_label(additions: Additions) -> str:
    """The additions as the counter names them, in the editor's language; "" for none."""
    items = []
    if additions.hashtags:
        items.append(
            ngettext("+ %(count)s hashtag", "+ %(count)s hashtags", additions.hashtags)
            % {"count": additions.hashtags}
        )
    if additions.link:
        items.append(_("+ link to the page"))
    if additions.tracking:
        items.append(_("+ tracking link"))
    return ", ".join(items)


def _tags_for(request, page: Any, saved: tuple[str, ...]) -> tuple[str, ...]:
    """The tags in the edit form, as typed (not saved yet); the saved ones if the form has none.

    The form sends the tag field's text (``one, "two words"``), read as Wagtail saves it: parsed
    by taggit, and with case-insensitive tags an existing tag's spelling wins. Sorted by name,
    as delivery reads them.
    """
    if "tags" not in request.POST:
        return saved
    from django.conf import settings
    from taggit.utils import parse_tags

    names = parse_tags(request.POST["tags"])
    manager = getattr(page, "tags", None)
    if names and manager is not None and getattr(settings, "TAGGIT_CASE_INSENSITIVE", False):
        tag_model = manager.through.tag_model()
        existing = {
            name.casefold(): name
            for name in tag_model.objects.filter(
                reduce(operator.or_, (Q(name__iexact=n) for n in names))
            ).values_list("name", flat=True)
        }
        names = [existing.get(name.casefold(), name) for name in names]
    return tuple(sorted(names))


def _state(count: int, limit: int) -> str:
    if count > limit:
        return "over"
    if count >= limit * WARN_RATIO:
        return "near"
    return "ok"


def _page_for(request) -> Any:
    page_id = request.POST.get("page")
    if not page_id:
        if not request.user.has_perm(CROSSPOST_PAGE):
            raise PermissionDenied
        return None
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def _image_for(request, page: Any, channel: Channel) -> Any:
    """The channel's own image if one is chosen (as delivery does), else the one in the page's
    form, else the page's.

    An id from the form counts only if the user may choose that image, or if it is already the
    one saved for this page (the channel's chosen image, the page's own): an editor who may not
    choose images still sees the post that will be sent, and nobody reads other images this way.
    """
    choosable = _choosable_images(request.user)
    already = _images_already_on(page, channel)
    for key in ("override_image", "image"):
        image_id = request.POST.get(key)
        if image_id and str(image_id).isdigit():
            image = already.get(int(image_id)) or choosable.filter(pk=image_id).first()
            if image is not None or key == "image":
                return image
    return page_image(page) if page is not None else None


def _images_already_on(page: Any, channel: Channel) -> dict[int, Any]:
    """The images saved on ``page`` for ``channel``, by id: its chosen image and the page's."""
    if page is None:
        return {}
    from ..choices import choices_for

    found = [page_image(page)]
    choice = choices_for(page).get(channel.pk)
    if choice is not None:
        found.append(choice.image)
    return {image.pk: image for image in found if image is not None}


def _choosable_images(user: Any) -> Any:
    """The images ``user`` may choose, as Wagtail's image chooser offers them (collections)."""
    from wagtail.images import get_image_model

    try:
        from wagtail.permissions import policy_registry

        policy = policy_registry.get_by_type(get_image_model())
    except ImportError:  # Wagtail 7
        from wagtail.images.permissions import permission_policy as policy  # type: ignore[no-redef]
    return policy.instances_user_has_any_permission_for(user, ["choose"])
