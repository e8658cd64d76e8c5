"""LinkedIn members and Pages, through the Posts and Images APIs (platforms.md, section 4).

Options: ``author_urn`` (``urn:li:person:…`` to post as a member, ``urn:li:organization:…`` to
post as a Page), ``linkedin_version`` (``YYYYMM``; LinkedIn sunsets versions about yearly, so
the channel can move on without a release), ``link_card`` (default on: a post with a link
becomes an article card), ``api_base``. Credentials: ``access_token`` (OAuth 2, 60 days; scope
``w_member_social`` or ``w_organization_social``).

LinkedIn does not scrape links: the card (title, description, thumbnail) is sent by us as
``content.article``. The commentary is in LinkedIn's "little" format, so reserved characters
are escaped (``adapters.text.escape_little``); unescaped, LinkedIn silently cuts the post.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import quote

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    Adapter,
    AmbiguousError,
    AuthError,
    Health,
    ImageRules,
    Media,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
    clean_option,
    truthy,
)
from ..http import (
    APIBaseOption,
    HTTPClient,
    gone_status,
    health_from,
    json_object,
    trim,
    unless_gone,
)
from ..text import escape_little
from .errors import linkedin_error_text, refine, seconds_until_midnight_utc
from .media import upload
from .metrics import LinkedInMetrics
from .options import FORM_FIELDS, clean_author, clean_version

DEFAULT_API_BASE = "https://api.linkedin.com"
RESTLI_PROTOCOL_VERSION = "2.0.0"  # platforms.md 4


class LinkedInAdapter(LinkedInMetrics, APIBaseOption, Adapter):
    key = "linkedin"
    label = gettext_lazy("LinkedIn")
    default_api_base = DEFAULT_API_BASE
    # platforms.md 4 and the summary table: 3000 characters (unverified officially), little
    # format; JPG/PNG/GIF, width × height < 36,152,320; 1 image or 2–20 (multiImage); altText.
    # Max bytes and alt-text length are unverified: conservative defaults.
    rules = PlatformRules(
        iri_links=False,  # platforms.md 4: whether commentary links unfurl is unverified
        # platforms.md 4: 150 posts per day per account (unverified).
        quota=(150, 24 * 3600),
        text_limit=3000,
        counting="linkedin",
        link_card=True,
        image=ImageRules(
            formats=("JPEG", "PNG"),
            max_bytes=5_000_000,  # unverified
            max_pixels=36_152_319,
            max_images=20,
            alt_text_limit=1000,  # unverified
        ),
    )
    supports = frozenset({"update", "delete", "alt_text"})
    credential_fields = ("access_token",)
    option_fields = ("author_urn", "linkedin_version", "link_card")
    form_fields: ClassVar[dict[str, Any]] = FORM_FIELDS
    #: Waits between looks at an uploaded image that LinkedIn is still processing.
    image_poll_delays: ClassVar[tuple[float, ...]] = (0.5, 1, 2, 3, 5)
    #: Replaceable in tests (``adapter.sleep = lambda seconds: None``).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.access_token = str(self.credentials.get("access_token") or "")
        self.http = HTTPClient(
            str(self.label), error_text=linkedin_error_text, secrets=[self.access_token]
        )
        if self.access_token:
            self.http.session.headers["Authorization"] = f"Bearer {self.access_token}"
        self.http.session.headers["X-Restli-Protocol-Version"] = RESTLI_PROTOCOL_VERSION

    # -- options -----------------------------------------------------------------------------

    @property
    def author(self) -> str:
        return clean_author(self.options.get("author_urn"))

    @property
    def version(self) -> str:
        return clean_version(self.options.get("linkedin_version"))

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = dict(options or {})
        clean_option(cleaned, "author_urn", clean_author)
        clean_option(cleaned, "linkedin_version", clean_version)
        cleaned["link_card"] = truthy(cleaned.get("link_card"), True)
        return cls.clean_api_base(cleaned)

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any):
        if not self.access_token:
            raise AuthError(
                _("The channel “%(name)s” has no LinkedIn access token. Reconnect it.")
                % {"name": self.channel.name}
            )
        headers = {"LinkedIn-Version": self.version, **kwargs.pop("headers", {})}
        if not url.startswith(("http://", "https://")):
            url = self.api_base + url
        try:
            return self.http.request(method, url, headers=headers, **kwargs)
        except TransientError as error:
            if error.status_code == 429 and error.retry_after is None:
                error.retry_after = seconds_until_midnight_utc()
            raise
        except PermanentError as error:
            raise refine(error) from None

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        author = self.author  # a bad option fails before anything is uploaded
        version = self.version
        card = bool(post.link) and truthy(self.options.get("link_card"), True)
        # An article card has room for one thumbnail: upload no more than that.
        to_upload = post.media[:1] if card else post.media
        images = [(upload(self, media, author), media) for media in to_upload]
        # platforms.md 4, "Endpoints" 2 (fields as POSTIZ sends them).
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_little(post.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(post, images, card=card)
        if content:
            body["content"] = content
        # No idempotency key on LinkedIn: a lost answer stays ambiguous.
        response = self._request("POST", "/rest/posts", json=body)
        urn = response.headers.get("x-restli-id") or ""
        if not urn:
            raise AmbiguousError(
                _("LinkedIn accepted the post but did not say its id; check the page."),
                raw=trim(json_object(response)),
            )
        return Receipt(
            remote_id=urn,
            url=post_url(urn),
            raw={
                "id": urn,
                "author": author,
                "version": version,
                "content": sorted(content),
                "images": [urn_ for urn_, _media in images],
            },
        )

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        """Change the commentary (platforms.md 4: partial update; media cannot be swapped)."""
        self._request(
            "POST",
            f"/rest/posts/{quote(receipt.remote_id, safe='')}",
            json={"patch": {"$set": {"commentary": escape_little(post.text)}}},
            headers={"X-RestLi-Method": "PARTIAL_UPDATE"},
            idempotent=True,
        )
        return Receipt(
            remote_id=receipt.remote_id,
            url=receipt.url or post_url(receipt.remote_id),
            raw={**(receipt.raw or {}), "updated": True},
        )

    def delete(self, receipt: Receipt) -> None:
        # platforms.md §4: deleting is idempotent; a 404/410 means it is already gone.
        unless_gone(
            lambda: self._request("DELETE", f"/rest/posts/{quote(receipt.remote_id, safe='')}"),
            gone_status,
        )

    def check(self) -> Health:
        return health_from(self._describe_author)

    def _describe_author(self) -> Health | str:
        author = self.author
        kind, _sep, ident = author.rpartition(":")
        if kind.endswith("organization"):
            response = self._request("GET", f"/rest/organizations/{quote(ident, safe='')}")
            return str(json_object(response).get("localizedName") or author)
        info = json_object(self._request("GET", "/v2/userinfo"))
        if info.get("sub") and str(info["sub"]) != ident:
            return Health(
                ok=False,
                detail=_("The token belongs to another LinkedIn member than %(author)s.")
                % {"author": author},
                needs_reconnect=True,
            )
        return str(info.get("name") or author)

    # -- helpers -----------------------------------------------------------------------------

    def _content(
        self, post: Post, images: list[tuple[str, Media]], *, card: bool
    ) -> dict[str, Any]:
        if card:
            # platforms.md 4 "Link preview": no scraping, we send the card ourselves.
            article: dict[str, Any] = {"source": post.link, "title": post.title or post.link}
            if post.description:
                article["description"] = post.description
            if images:
                article["thumbnail"] = images[0][0]
            return {"article": article}
        if len(images) == 1:
            urn, media = images[0]
            return {"media": {"id": urn, "altText": media.alt_text}}
        if images:
            return {
                "multiImage": {
                    "images": [{"id": urn, "altText": media.alt_text} for urn, media in images]
                }
            }
        return {}


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"
