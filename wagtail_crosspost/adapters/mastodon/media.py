"""Mastodon's image uploads (``POST /api/v2/media``), waiting while the server processes them."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from wagtail_crosspost.stored_messages import gettext as _

from ..base import Media, PermanentError, TransientError
from ..http import json_object


class Uploader(Protocol):
    """What the upload needs of the adapter (its requests, and waits replaceable in tests)."""

    @property
    def media_poll_delays(self) -> tuple[float, ...]: ...

    def sleep(self, seconds: float) -> None: ...

    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def upload(adapter: Uploader, media: Media) -> str:
    """Upload one image with its alt text and focal point; its media id, once processed."""
    data: dict[str, str] = {}
    if media.alt_text:
        data["description"] = media.alt_text
    if media.focal_point is not None:
        x, y = (max(-1.0, min(1.0, float(v))) for v in media.focal_point)
        data["focus"] = f"{x:.2f},{y:.2f}"
    # An upload that is repeated only leaves an unattached file, which the server deletes.
    response = adapter._request(
        "POST",
        "/api/v2/media",
        files={"file": (media.filename, media.content, media.mime_type)},
        data=data,
        idempotent=True,
    )
    attachment = json_object(response)
    media_id = str(attachment.get("id") or "")
    if not media_id:
        raise PermanentError(_("Mastodon accepted the image but returned no id."))
    if response.status_code == 202 or not attachment.get("url"):
        _wait_until_processed(adapter, media_id)
    return media_id


def _wait_until_processed(adapter: Uploader, media_id: str) -> None:
    for delay in adapter.media_poll_delays:
        adapter.sleep(delay)
        try:
            response = adapter._request("GET", f"/api/v1/media/{quote(media_id, safe='')}")
        except PermanentError as error:
            if error.status_code in (404, 405, 501):
                return  # the server cannot tell; the status post will say if it is not ready
            raise
        if json_object(response).get("url"):
            return
    raise TransientError(
        _("Mastodon is still processing the image. It will be tried again."),
        retry_after=60,
    )
