"""Image rules of the built-in platforms, from shared/reference/platforms.md.

Used by the image tests and ``benchmarks/images.py`` for platforms whose adapter is not registered
(yet); a registered adapter's own ``rules.image`` always wins.
"""

from wagtail_crosspost.adapters.base import ImageRules

REFERENCE_IMAGE_RULES = {
    "mastodon": ImageRules(
        formats=("JPEG", "PNG", "WEBP"),
        max_bytes=16_777_216,
        max_pixels=16_777_216,
        max_images=4,
        alt_text_limit=1500,
    ),
    # 2,000,000 since 2026-04; 1,000,000 is the safe floor for older PDS/AppView deployments.
    "bluesky": ImageRules(
        formats=("JPEG", "PNG"), max_bytes=1_000_000, max_images=4, alt_text_limit=2000
    ),
    "x": ImageRules(
        formats=("JPEG", "PNG", "WEBP"), max_bytes=5_000_000, max_images=4, alt_text_limit=1000
    ),
    "linkedin": ImageRules(
        formats=("JPEG", "PNG"), max_pixels=36_152_319, max_images=20, alt_text_limit=4086
    ),
    "facebook": ImageRules(formats=("JPEG", "PNG"), max_bytes=10_000_000, max_images=10),
    "instagram": ImageRules(
        formats=("JPEG",),
        max_bytes=8_000_000,
        min_width=320,
        max_width=1440,
        min_aspect=4 / 5,
        max_aspect=1.91,
        max_images=10,
        needs_public_url=True,
    ),
    "threads": ImageRules(
        formats=("JPEG", "PNG"),
        max_bytes=8_000_000,
        min_width=320,
        max_width=1440,
        max_aspect=10,
        max_images=10,
        alt_text_limit=1000,
        needs_public_url=True,
    ),
    "telegram": ImageRules(
        formats=("JPEG", "PNG"),
        max_bytes=10_000_000,
        max_aspect=20,
        min_aspect=1 / 20,
        max_dimension_sum=10_000,
        max_images=10,
    ),
}


def builtin_image_rules() -> dict[str, ImageRules]:
    """Every built-in platform's image rules: the registered adapters', else the reference."""
    from wagtail_crosspost.adapters import get_adapters

    rules = dict(REFERENCE_IMAGE_RULES)
    for key, adapter in get_adapters().items():
        if key in ("console", "locmem"):
            continue  # development adapters: not platforms
        rules[key] = adapter.rules.image
    return rules
