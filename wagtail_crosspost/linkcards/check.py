"""The link-card check: a page's card tags and image against each platform's card rules.

:func:`check_page` gets the page's HTML (its public address when the page is live, else the
latest revision rendered in-process, as Wagtail's preview renders it), and :func:`check_html`
does the rest. Each finding is one sentence that names the problem and its fix.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from ..url_safety import web_url
from . import fetch as fetching
from .meta import card_tags
from .rules import BUILT_NOTE, NO_CARD_NOTE, CardRules, rules_for

LoadImage = Callable[[str], fetching.Fetched]


@dataclass
class ImageFacts:
    format: str = ""
    width: int = 0
    height: int = 0
    size: int = 0


@dataclass
class Report:
    url: str
    source: str  # "live": fetched from the public address; "rendered": not live yet
    card: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # about the tags: every reading platform
    platforms: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "source": self.source,
            "card": self.card,
            "warnings": self.warnings,
            "platforms": self.platforms,
        }


def load_image(url: str) -> fetching.Fetched:
    return fetching.fetch(url, max_bytes=fetching.IMAGE_MAX_BYTES, accept="image/*")


def check_html(
    html: str,
    page_url: str,
    platforms: Sequence[str],
    *,
    source: str = "live",
    image_loader: LoadImage = load_image,
) -> Report:
    tags = card_tags(html)
    report = Report(url=page_url, source=source)
    image = tags.get("og:image", "")
    report.card = {
        "title": tags.get("og:title") or tags.get("twitter:title", ""),
        "description": tags.get("og:description") or tags.get("description", ""),
        "image": web_url(image),
        "domain": urlsplit(page_url).hostname or "",
        "fediverse_creator": tags.get("fediverse:creator", ""),
    }
    report.warnings = _tag_warnings(tags)
    facts, image_warnings = _image_facts(web_url(image), image_loader)
    report.warnings += image_warnings
    for platform in dict.fromkeys(platforms):
        rules = rules_for(platform)
        report.platforms.append(_platform_entry(platform, rules, tags, facts))
    return report


def _tag_warnings(tags: dict[str, str]) -> list[str]:
    warnings = []
    for name, what in (
        ("og:title", _("the page's title")),
        ("og:description", _("a one- or two-sentence summary")),
    ):
        if not tags.get(name):
            warnings.append(
                _('%(tag)s is missing — add <meta property="%(tag)s" content="…"> with %(what)s.')
                % {"tag": name, "what": what}
            )
    image = tags.get("og:image", "")
    if not image:
        warnings.append(
            _(
                'og:image is missing — add <meta property="og:image" content="https://…"> '
                "so the card shows a picture."
            )
        )
    elif not web_url(image):
        if "://" in image or image.lower().startswith(("javascript:", "data:")):
            warnings.append(
                _("og:image is not a web address — set it to an absolute https:// URL.")
            )
        else:
            warnings.append(_("og:image is relative — set it to an absolute URL (https://…)."))
    url = tags.get("og:url", "")
    if url and not web_url(url):
        warnings.append(_("og:url is relative — set it to the page's absolute URL."))
    return warnings


def _image_facts(url: str, loader: LoadImage) -> tuple[ImageFacts | None, list[str]]:
    if not url:
        return None, []
    try:
        fetched = loader(url)
    except fetching.FetchProblem as problem:
        return None, [
            _("The og:image could not be checked: %(problem)s") % {"problem": problem.message}
        ]
    from PIL import Image, UnidentifiedImageError

    facts = ImageFacts(size=len(fetched.content))
    try:
        with Image.open(io.BytesIO(fetched.content)) as opened:  # reads the header only
            facts.format, (facts.width, facts.height) = opened.format or "", opened.size
    except Image.DecompressionBombError:
        return None, [_("og:image has far too many pixels — use an image of about 1200×630.")]
    except (UnidentifiedImageError, OSError):
        return None, [
            _("og:image is not an image that can be read (%(type)s) — point it to a JPEG or PNG.")
            % {"type": fetched.content_type or _("unknown type")}
        ]
    return facts, []


def _platform_entry(
    platform: str, rules: CardRules, tags: dict[str, str], facts: ImageFacts | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "platform": platform,
        "label": rules.label,
        "shows_card": rules.shows_cards,
        "reads_tags": rules.reads_tags,
        "warnings": [],
        "notes": [],
        "source": rules.source,
    }
    params = {"platform": rules.label}
    if not rules.shows_cards:
        entry["notes"].append(str(NO_CARD_NOTE) % params)
        return entry
    if not rules.reads_tags:
        entry["notes"].append(str(BUILT_NOTE) % params)
        return entry
    if rules.wants_twitter_card and not tags.get("twitter:card"):
        entry["warnings"].append(
            _(
                'twitter:card is missing — add <meta name="twitter:card" '
                'content="summary_large_image"> so %(platform)s shows a large card.'
            )
            % params
        )
    if facts is not None:
        entry["warnings"] += image_warnings(rules, facts)
    return entry


def image_warnings(rules: CardRules, facts: ImageFacts) -> list[str]:
    params: dict[str, Any] = {"platform": rules.label, "format": facts.format}
    warnings = []
    if rules.formats and facts.format not in rules.formats:
        params["formats"] = ", ".join(sorted(rules.formats))
        warnings.append(
            _(
                "og:image is %(format)s, which %(platform)s does not show (it takes "
                "%(formats)s) — save it as JPEG or PNG."
            )
            % params
        )
    if rules.max_bytes and facts.size > rules.max_bytes:
        params.update(size=_mb(facts.size), limit=_mb(rules.max_bytes))
        warnings.append(
            _("og:image is %(size)s; %(platform)s takes at most %(limit)s — make the file smaller.")
            % params
        )
    too_wide = rules.max_side and max(facts.width, facts.height) > rules.max_side
    too_many = rules.max_pixels and facts.width * facts.height > rules.max_pixels
    if too_wide or too_many:
        params.update(width=facts.width, height=facts.height)
        warnings.append(
            _(
                "og:image is %(width)s×%(height)s pixels, too large for %(platform)s — use "
                "an image of about 1200×630."
            )
            % params
        )
    return warnings


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def page_html(page: Any, url: str, request: Any = None) -> tuple[str, str]:
    """The page's HTML and where it came from: ``live`` (fetched from ``url``) or ``rendered``
    (the latest revision, rendered in-process, for a page not live yet)."""
    if page.live and url:
        fetched = fetching.fetch(url, max_bytes=fetching.PAGE_MAX_BYTES, accept="text/html")
        if "html" not in fetched.content_type:
            raise fetching.FetchProblem(
                _("%(url)s is not an HTML page (%(type)s).")
                % {"url": url, "type": fetched.content_type or _("unknown type")}
            )
        return _decode(fetched.content, fetched.content_type), "live"
    draft = page.get_latest_revision_as_object()
    try:
        response = draft.make_preview_request(
            original_request=request, preview_mode=draft.default_preview_mode
        )
    except Exception as exc:  # the site's own templates: any error is theirs to show
        raise fetching.FetchProblem(
            _("The page could not be rendered: %(error)s") % {"error": str(exc)[:300]}
        ) from None
    if response.status_code >= 400:
        raise fetching.FetchProblem(
            _("The page could not be rendered (HTTP %(status)s).")
            % {"status": response.status_code}
        )
    content = b"".join(response) if response.streaming else response.content
    return _decode(content, response.get("Content-Type", "")), "rendered"


def _decode(content: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def check_page(page: Any, url: str, platforms: Sequence[str], request: Any = None) -> Report:
    """Check ``page``'s link card for ``platforms``; a page that cannot be read gives a report
    with one warning that says why."""
    try:
        html, source = page_html(page, url, request)
    except fetching.FetchProblem as problem:
        report = Report(url=url, source="live" if page.live else "rendered")
        report.card = {"title": "", "description": "", "image": "", "domain": ""}
        report.warnings = [problem.message]
        return report
    return check_html(html, url, platforms, source=source)
