"""LinkedIn members and Pages, through the Posts and Images APIs (platforms.md, section 4).

Options: ``author_urn`` (``urn:li:person:…`` to post as a member, ``urn:li:organization:…`` to
post as a Page), ``linkedin_version`` (``YYYYMM``; LinkedIn sunsets versions about yearly, so
the channel can move on without a release), ``link_card`` (default on: a post with a link
becomes an article card), ``api_base``. Credentials: ``access_token`` (OAuth 2, 60 days; scope
``w_member_social`` or ``w_organization_social``).

LinkedIn does not scrape links: the card (title, description, thumbnail) is sent by us as
``content.article``. The commentary is in LinkedIn's "little" format, so reserved characters
are escaped (``compose.length.escape_little``); unescaped, LinkedIn silently cuts the post.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail_crosspost.compose.length import escape_little

from .base import (
    Adapter,
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    ImageRules,
    Media,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
    about_option,
)
from .http import (
    HTTPClient,
    check_api_base,
    first_text,
    gone_status,
    health_from,
    json_object,
    trim,
    unless_gone,
)

DEFAULT_API_BASE = "https://api.linkedin.com"
# platforms.md 4: every request needs "Linkedin-Version: YYYYMM"; 202601 is the version the
# cited integration (POSTIZ) uses. Versions are sunset yearly: overridable per channel.
DEFAULT_VERSION = "202601"
RESTLI_PROTOCOL_VERSION = "2.0.0"  # platforms.md 4
AUTHOR_RE = re.compile(r"^urn:li:(person|organization):[A-Za-z0-9_-]+$")
VERSION_RE = re.compile(r"^\d{6}(\.\d{2})?$")
# Hosts that may receive our token with an image upload (the answer names the upload URL).
UPLOAD_HOSTS = ("linkedin.com", "licdn.com")
# platforms.md 4, "Typical errors": POSTIZ retries these intermittent answers.
RETRYABLE_MARKERS = ("unable to obtain activity", "resource is forbidden")


def linkedin_error_text(body: Any) -> str:
    """LinkedIn's ``{"status": 422, "message": "…", "code": "…"}`` (or OAuth errors)."""
    return first_text(body, ("message", "error_description", "error"))


def seconds_until_midnight_utc(now: datetime | None = None) -> float:
    """platforms.md 4: daily limits reset at midnight UTC and no Retry-After is sent."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def _truthy(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


class LinkedInAdapter(Adapter):
    key = "linkedin"
    label = gettext_lazy("LinkedIn")
    # platforms.md 4 and the summary table: 3000 characters (unverified officially), little
    # format; JPG/PNG/GIF, width × height < 36,152,320; 1 image or 2–20 (multiImage); altText.
    # Max bytes and alt-text length are unverified: conservative defaults.
    rules = PlatformRules(
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
    form_fields: ClassVar[dict[str, Any]] = {
        "author_urn": lambda: forms.CharField(
            label=gettext_lazy("Post as"),
            help_text=gettext_lazy(
                "urn:li:organization:<id> for a LinkedIn Page, urn:li:person:<id> for a member."
            ),
        ),
        "linkedin_version": lambda: forms.CharField(
            label=gettext_lazy("LinkedIn API version"),
            required=False,
            help_text=gettext_lazy(
                "YYYYMM. Leave empty for the default (%(version)s); LinkedIn retires old "
                "versions about once a year."
            )
            % {"version": DEFAULT_VERSION},
        ),
        "link_card": lambda: forms.BooleanField(
            label=gettext_lazy("Show links as a card"), required=False, initial=True
        ),
    }

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
    def api_base(self) -> str:
        return check_api_base(self.options.get("api_base"), DEFAULT_API_BASE)

    @property
    def author(self) -> str:
        return clean_author(self.options.get("author_urn"))

    @property
    def version(self) -> str:
        return clean_version(self.options.get("linkedin_version"))

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = dict(options or {})
        with about_option("author_urn"):
            cleaned["author_urn"] = clean_author(cleaned.get("author_urn"))
        with about_option("linkedin_version"):
            cleaned["linkedin_version"] = clean_version(cleaned.get("linkedin_version"))
        cleaned["link_card"] = _truthy(cleaned.get("link_card"), True)
        if cleaned.get("api_base"):
            cleaned["api_base"] = check_api_base(cleaned["api_base"], DEFAULT_API_BASE)
        return cleaned

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
            raise _refine(error) from None

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        author = self.author  # a bad option fails before anything is uploaded
        version = self.version
        card = bool(post.link) and _truthy(self.options.get("link_card"), True)
        # An article card has room for one thumbnail: upload no more than that.
        to_upload = post.media[:1] if card else post.media
        images = [(self._upload(media, author), media) for media in to_upload]
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

    def _upload(self, media: Media, owner: str) -> str:
        """platforms.md 4: initializeUpload → PUT the bytes to uploadUrl → the image URN."""
        response = self._request(
            "POST",
            "/rest/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": owner}},
            idempotent=True,  # an unused upload slot does no harm
        )
        value = json_object(response).get("value")
        value = value if isinstance(value, dict) else {}
        upload_url, image_urn = str(value.get("uploadUrl") or ""), str(value.get("image") or "")
        if not upload_url or not image_urn:
            raise PermanentError(
                _("LinkedIn did not give an upload address for the image."),
                raw=trim(json_object(response)),
            )
        self._check_upload_url(upload_url)
        self._request(
            "PUT",
            upload_url,
            data=media.content,
            headers={"Content-Type": media.mime_type},
            idempotent=True,
        )
        self._wait_until_available(image_urn)
        return image_urn

    def _check_upload_url(self, url: str) -> None:
        # The answer names where our token goes next: only LinkedIn's hosts (or the API's own).
        host = (urlsplit(url).hostname or "").lower()
        own = (urlsplit(self.api_base).hostname or "").lower()
        trusted = host == own or any(host == h or host.endswith("." + h) for h in UPLOAD_HOSTS)
        if not trusted or not url.startswith(("https://", self.api_base)):
            raise PermanentError(
                _("LinkedIn named an unexpected upload address (%(host)s); nothing was sent.")
                % {"host": host or "?"}
            )

    def _wait_until_available(self, image_urn: str) -> None:
        path = f"/rest/images/{quote(image_urn, safe='')}"
        for delay in (0, *self.image_poll_delays):
            if delay:
                self.sleep(delay)
            status = str(json_object(self._request("GET", path)).get("status") or "")
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise PermanentError(_("LinkedIn could not process the image."))
        raise TransientError(
            _("LinkedIn is still processing the image. It will be tried again."), retry_after=60
        )


def _refine(error: PermanentError) -> AdapterError:
    raw = error.raw if isinstance(error.raw, dict) else {}
    body = raw.get("body") if isinstance(raw.get("body"), dict) else {}
    text = linkedin_error_text(body)
    lowered = text.lower()
    if error.status_code == 403 and any(m in lowered for m in RETRYABLE_MARKERS):
        return TransientError(
            _("LinkedIn refused the request for now (%(detail)s). It will be tried again.")
            % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    if error.status_code == 403 and (
        "permission" in lowered or str((body or {}).get("code") or "") == "ACCESS_DENIED"
    ):
        return AuthError(
            _(
                "LinkedIn does not let this account post as the chosen author (%(detail)s). "
                "Reconnect with an account that administers the Page, with the posting "
                "permission."
            )
            % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    if error.status_code in (400, 422) and text:
        return PermanentError(
            _("LinkedIn refused the post: %(detail)s") % {"detail": text},
            raw=raw,
            status_code=error.status_code,
        )
    return error


def clean_author(value: Any) -> str:
    author = str(value or "").strip()
    if not AUTHOR_RE.match(author):
        raise ConfigurationError(
            _(
                "Enter who posts as urn:li:organization:<id> (a LinkedIn Page) or "
                "urn:li:person:<id> (a member)."
            )
        )
    return author


def clean_version(value: Any) -> str:
    version = str(value or "").strip() or DEFAULT_VERSION
    if not VERSION_RE.match(version):
        raise ConfigurationError(_("The LinkedIn API version looks like 202601 (year and month)."))
    return version


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"
