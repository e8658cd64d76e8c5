"""The card tags of an HTML page, read with the standard library's parser.

Only ``<meta>`` elements are read, the first value of each name wins (as the platforms' scrapers
do), and reading stops at ``</head>``: a page's body cannot add or change card tags.
"""

from __future__ import annotations

from html.parser import HTMLParser

#: The tags a card is built from; ``description`` is the plain ``<meta name="description">``.
CARD_TAGS = (
    "og:title",
    "og:description",
    "og:image",
    "og:image:alt",
    "og:url",
    "og:site_name",
    "twitter:card",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "description",
    "fediverse:creator",
)
MAX_VALUE_LENGTH = 2000  # longer values are cut: no card shows more, and the answer stays small


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
            return
        if tag != "meta":
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        key = (values.get("property") or values.get("name") or "").strip().lower()
        if key in CARD_TAGS and key not in self.tags and "content" in values:
            self.tags[key] = values["content"].strip()[:MAX_VALUE_LENGTH]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True


def card_tags(html: str) -> dict[str, str]:
    """The card tags of ``html`` by lower-case name (``og:title`` …), first value of each."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # html.parser gives up on some broken markup: keep what it read
        pass
    return parser.tags
