"""A Bluesky post record: the rules it must keep (checked before anything is sent), its
``langs`` and ``createdAt``, the strong ref a reply points at, and the PDS's refusals explained."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from wagtail_crosspost.stored_messages import gettext as _

from ..base import ImageRules, PermanentError, PlatformRules, Post, Receipt
from ..text import Counter, broken_limits, count, measure_bytes
from .atproto import error_body
from .connect import DEFAULT_IMAGE_MAX_BYTES
from .embed import ALT_TEXT_LIMIT, too_big

POST_COLLECTION = "app.bsky.feed.post"
WEB_URL = "https://bsky.app"
MAX_IMAGES = 4
MAX_LANGS = 3

RULES = PlatformRules(
    iri_links=True,  # platforms.md 2: URLs count in full (bytes too); the facet gets the URI
    # platforms.md 2: 5000 write points per hour, a create costs 3.
    quota=(1600, 3600),
    text_limit=300,
    counting="graphemes",  # an adapters.text kind; the 3000-byte limit is checked too
    byte_limit=3000,
    link_card=True,
    image=ImageRules(
        formats=("JPEG", "PNG", "WEBP"),
        max_bytes=DEFAULT_IMAGE_MAX_BYTES,
        max_images=MAX_IMAGES,
        alt_text_limit=ALT_TEXT_LIMIT,
    ),
)


def check_post(post: Post, rules: PlatformRules, *, image_post: bool) -> None:
    """Refuse, before anything is sent, a post the PDS would refuse (text, images)."""
    for text in post.texts:
        check_text(text, rules)
    if image_post and len(post.media) > rules.image.max_images:
        raise PermanentError(
            _("Bluesky takes at most %(max)s images per post; this post has %(count)s.")
            % {"max": rules.image.max_images, "count": len(post.media)}
        )
    for media in post.media if image_post else ():
        if len(media.content) > rules.image.max_bytes:
            raise PermanentError(too_big(media, rules.image.max_bytes))


def check_text(text: str, rules: PlatformRules) -> None:
    if broken_limits(text, Counter.from_rules(rules, RULES), "bluesky"):
        raise PermanentError(
            _(
                "The text is too long for Bluesky: %(graphemes)s characters and %(bytes)s "
                "bytes, where at most %(limit)s characters and %(byte_limit)s bytes are "
                "allowed. Shorten the message for this channel."
            )
            % {
                "graphemes": count(text, Counter.from_rules(rules, RULES), "bluesky"),
                "bytes": measure_bytes(text),
                "limit": rules.text_limit,
                "byte_limit": rules.byte_limit,
            }
        )


_BLOB_TOO_BIG = re.compile(r"blob too big \(maximum (\d+), got (\d+)\)")


def explain(error: PermanentError) -> PermanentError:
    """The PDS's validation messages, in a sentence an editor can act on."""
    body = error_body(error)
    message = body.get("message", "") if isinstance(body, dict) else ""
    match = _BLOB_TOO_BIG.search(message or "")
    if match:
        return PermanentError(
            _(
                "The image is %(size)s bytes, but this Bluesky server accepts at most %(max)s "
                "bytes per image. Lower the channel's image size limit (image_max_bytes) to "
                "%(max)s."
            )
            % {"size": f"{int(match[2]):,}", "max": f"{int(match[1]):,}"},
            raw=error.raw,
            status_code=error.status_code,
        )
    return error


_LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


def langs(language: str) -> list[str]:
    """BCP 47 tags for ``langs``: a Wagtail locale such as ``de_CH`` becomes ``de-CH``."""
    tags = [t.strip().replace("_", "-") for t in str(language).split(",")]
    return [t for t in tags if _LANG_RE.match(t)][:MAX_LANGS]


def strong_ref(receipt: Receipt) -> dict[str, str]:
    """``com.atproto.repo.strongRef`` of a written post: what a reply points at."""
    cid = receipt.raw.get("cid")
    if not cid:
        raise PermanentError(_("Bluesky answered without the content id (cid) of the post."))
    return {"uri": receipt.remote_id, "cid": str(cid)}


def iso_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
