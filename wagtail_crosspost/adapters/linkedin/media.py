"""LinkedIn's image uploads (Images API), sent only to LinkedIn's own hosts."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from wagtail_crosspost.stored_messages import gettext as _

from ..base import Media, PermanentError, TransientError
from ..http import json_object, trim


class Uploader(Protocol):
    """What the upload needs of the adapter (its requests, and waits replaceable in tests)."""

    @property
    def api_base(self) -> str: ...

    @property
    def image_poll_delays(self) -> tuple[float, ...]: ...

    def sleep(self, seconds: float) -> None: ...

    def _request(self, method: str, url: str, **kwargs: Any) -> Any: ...


# Hosts that may receive our token with an image upload (the answer names the upload URL).
UPLOAD_HOSTS = ("linkedin.com", "licdn.com")


def upload(adapter: Uploader, media: Media, owner: str) -> str:
    """platforms.md 4: initializeUpload → PUT the bytes to uploadUrl → the image URN."""
    response = adapter._request(
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
    _check_upload_url(adapter, upload_url)
    adapter._request(
        "PUT",
        upload_url,
        data=media.content,
        headers={"Content-Type": media.mime_type},
        idempotent=True,
    )
    _wait_until_available(adapter, image_urn)
    return image_urn


def _check_upload_url(adapter: Uploader, url: str) -> None:
    # The answer names where our token goes next: only LinkedIn's hosts (or the API's own).
    host = (urlsplit(url).hostname or "").lower()
    own = (urlsplit(adapter.api_base).hostname or "").lower()
    trusted = host == own or any(host == h or host.endswith("." + h) for h in UPLOAD_HOSTS)
    if not trusted or not url.startswith(("https://", adapter.api_base)):
        raise PermanentError(
            _("LinkedIn named an unexpected upload address (%(host)s); nothing was sent.")
            % {"host": host or "?"}
        )


def _wait_until_available(adapter: Uploader, image_urn: str) -> None:
    path = f"/rest/images/{quote(image_urn, safe='')}"
    for delay in (0, *adapter.image_poll_delays):
        if delay:
            adapter.sleep(delay)
        status = str(json_object(adapter._request("GET", path)).get("status") or "")
        if status == "AVAILABLE":
            return
        if status == "PROCESSING_FAILED":
            raise PermanentError(_("LinkedIn could not process the image."))
    raise TransientError(
        _("LinkedIn is still processing the image. It will be tried again."), retry_after=60
    )
