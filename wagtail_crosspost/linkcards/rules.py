"""Each platform's link-card rules, with the numbers of ``shared/reference/platforms.md``.

Where platforms.md marks a value *unverified*, the check still warns, but says so in
``source``; a platform with no known card rules gets only the general checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MB = 1_000_000


@dataclass(frozen=True)
class CardRules:
    label: str
    #: The platform scrapes the page's tags itself; False: wagtail-crosspost builds the card
    #: from the page's title, intro and image (Bluesky, LinkedIn), so the tags do not matter.
    reads_tags: bool = True
    #: Shows link cards at all (Instagram has no clickable links).
    shows_cards: bool = True
    max_bytes: int | None = None
    formats: frozenset[str] = field(default_factory=frozenset)  # Pillow format names
    max_side: int | None = None  # pixels, each side
    max_pixels: int | None = None  # width × height
    wants_twitter_card: bool = False
    source: str = ""


RULES: dict[str, CardRules] = {
    # platforms.md 1: OpenGraph (og:title, og:description, og:image) read by Mastodon's
    # FetchLinkCardService; media formats PNG, JPEG, HEIF, WEBP, AVIF, GIF; 16 MB.
    "mastodon": CardRules(
        label="Mastodon",
        max_bytes=16 * 1024 * 1024,
        formats=frozenset({"PNG", "JPEG", "HEIF", "WEBP", "AVIF", "GIF"}),
        source="platforms.md 1 (Mastodon: link preview, images)",
    ),
    # platforms.md 3: X builds the card from twitter:card, falling back to OpenGraph; card image
    # ≤ 5 MB, up to 4096×4096, JPG/PNG/WEBP/GIF (unverified, third-party pages only).
    "x": CardRules(
        label="X",
        max_bytes=5 * MB,
        formats=frozenset({"JPEG", "PNG", "WEBP", "GIF"}),
        max_side=4096,
        wants_twitter_card=True,
        source="platforms.md 3 (X: link preview; image limits unverified)",
    ),
    # platforms.md 2: Bluesky scrapes nothing; we send the card, its thumb blob ≤ 1,000,000 B.
    "bluesky": CardRules(
        label="Bluesky",
        reads_tags=False,
        max_bytes=1_000_000,
        source="platforms.md 2 (Bluesky: link preview)",
    ),
    # platforms.md 4: LinkedIn's API does not scrape; we send content.article with a thumbnail;
    # JPG, PNG, GIF, width × height < 36,152,320 (partly verified).
    "linkedin": CardRules(
        label="LinkedIn",
        reads_tags=False,
        formats=frozenset({"JPEG", "PNG", "GIF"}),
        max_pixels=36_152_320 - 1,
        source="platforms.md 4 (LinkedIn: link preview, images)",
    ),
    # platforms.md 5, 7, 8: Facebook, Threads and Telegram build a preview from the page
    # (expected, unverified): the OpenGraph checks apply, no image numbers are known.
    "facebook": CardRules(label="Facebook", source="platforms.md 5 (unverified)"),
    "threads": CardRules(label="Threads", source="platforms.md 7 (unverified)"),
    "telegram": CardRules(label="Telegram", source="platforms.md 8 (unverified)"),
    # platforms.md 6: links in captions are not clickable, there is no link preview.
    "instagram": CardRules(label="Instagram", shows_cards=False, source="platforms.md 6"),
}


def rules_for(platform: str) -> CardRules:
    """The card rules of ``platform``; an unknown one (a webhook, a third-party adapter) gets the
    general checks only."""
    return RULES.get(platform) or CardRules(label=platform, source="")


NO_CARD_NOTE = _("%(platform)s shows no link cards.")
BUILT_NOTE = _(
    "%(platform)s does not read the page: wagtail-crosspost sends the card itself, from the "
    "page's title, summary and image."
)
