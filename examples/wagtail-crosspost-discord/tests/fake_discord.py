"""A strict fake of Discord's webhook API (platforms.md 11), kept in memory.

Enforces: the webhook id and token in the path (401 "Invalid Webhook Token", 404 "Unknown
Webhook"), ``wait=true`` answering the message (204 without), ``content`` ≤ 2000, not empty,
≤ 10 embeds with title ≤ 256 and description ≤ 4096, multipart ``payload_json`` + ``files[n]``
with ``attachments`` descriptions ≤ 1024 and files ≤ 10 MiB, ``attachment://`` references to
files that were sent, edit and delete of the webhook's own messages (404 "Unknown Message"), and
answers 429 like Discord: ``retry_after`` in the body, ``Retry-After`` and
``X-RateLimit-Reset-After`` headers.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

from wagtail_crosspost.testing import FakeServer, RecordedRequest, Response

WEBHOOK_ID = "1234567890123456789"
TOKEN = "dQw4w9WgXcQ-fakeWebhookToken_0123456789abcdefABCDEF"  # noqa: S105
GUILD_ID = "1100000000000000001"
CHANNEL_ID = "1100000000000000002"
CONTENT_LIMIT = 2000
FILE_LIMIT = 10 * 1024 * 1024
PATH = r"/api/webhooks/(?P<webhook_id>\d+)/(?P<token>[\w-]+)"


def error(status: int, message: str, code: int, **errors: Any) -> Response:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return Response.json(body, status)


def form_error(field: str, code: str, message: str) -> Response:
    return error(
        400,
        "Invalid Form Body",
        50035,
        **{field: {"_errors": [{"code": code, "message": message}]}},
    )


class FakeDiscord(FakeServer):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.messages: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1_300_000_000_000_000_001)
        self._limited: list[float] = []
        self.add_route("GET", PATH, self.get_webhook)
        self.add_route("POST", PATH, self.execute)
        self.add_route("PATCH", PATH + r"/messages/(?P<message_id>\d+)", self.edit)
        self.add_route("DELETE", PATH + r"/messages/(?P<message_id>\d+)", self.delete)

    @property
    def webhook_url(self) -> str:
        return self.url_for(f"/api/webhooks/{WEBHOOK_ID}/{TOKEN}")

    def rate_limit(self, retry_after: float) -> None:
        """The next request answers 429 asking to wait ``retry_after`` seconds."""
        self._limited.append(retry_after)

    # -- guards ------------------------------------------------------------------------------

    def _guard(self, webhook_id: str, token: str) -> Response | None:
        if self._limited:
            seconds = self._limited.pop(0)
            return Response.json(
                {"message": "You are being rate limited.", "retry_after": seconds, "global": False},
                429,
                {
                    "Retry-After": str(math.ceil(seconds)),
                    "X-RateLimit-Reset-After": str(seconds),
                    "X-RateLimit-Remaining": "0",
                },
            )
        if webhook_id != WEBHOOK_ID:
            return error(404, "Unknown Webhook", 10015)
        if token != TOKEN:
            return error(401, "Invalid Webhook Token", 50027)
        return None

    def _payload(
        self, request: RecordedRequest
    ) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        """The JSON payload and the uploaded files by index, from JSON or multipart."""
        if request.files or "payload_json" in request.form:
            try:
                payload = json.loads(request.value("payload_json") or "{}")
            except ValueError:
                return form_error("payload_json", "JSON_INVALID", "Invalid JSON.")
            files = {}
            for name, uploads in request.files.items():
                if not name.startswith("files[") or not name.endswith("]"):
                    return form_error(name, "UNKNOWN_FIELD", "Unknown file field.")
                files[name[6:-1]] = uploads[0]
            return payload, files
        if not isinstance(request.json, dict):
            return error(400, "Cannot send an empty message", 50006)
        return request.json, {}

    def _validate(self, payload: dict[str, Any], files: dict[str, Any]) -> Response | None:
        content = payload.get("content") or ""
        if len(content) > CONTENT_LIMIT:
            return form_error(
                "content", "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_LIMIT} or fewer in length."
            )
        embeds = payload.get("embeds") or []
        if not content and not embeds and not files:
            return error(400, "Cannot send an empty message", 50006)
        if len(embeds) > 10:
            return form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        names = {upload.filename for upload in files.values()}
        for embed in embeds:
            if len(embed.get("title") or "") > 256 or len(embed.get("description") or "") > 4096:
                return form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum.")
            image = (embed.get("image") or {}).get("url", "")
            if image.startswith("attachment://") and image[13:] not in names:
                return form_error("embeds", "INVALID_ATTACHMENT", "Unknown attachment reference.")
        for upload in files.values():
            if len(upload.content) > FILE_LIMIT:
                return error(413, "Request entity too large", 40005)
        for attachment in payload.get("attachments") or []:
            if str(attachment.get("id")) not in files:
                return form_error("attachments", "ATTACHMENT_NOT_FOUND", "Unknown attachment.")
            if len(attachment.get("description") or "") > 1024:
                return form_error(
                    "attachments", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
                )
        return None

    # -- routes ------------------------------------------------------------------------------

    def get_webhook(self, request: RecordedRequest, webhook_id: str, token: str) -> Any:
        refused = self._guard(webhook_id, token)
        if refused:
            return refused
        return {
            "id": WEBHOOK_ID,
            "type": 1,
            "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID,
            "name": "Website news",
            "token": TOKEN,  # Discord does answer with the token: adapters must not show it
        }

    def execute(self, request: RecordedRequest, webhook_id: str, token: str) -> Any:
        refused = self._guard(webhook_id, token)
        if refused:
            return refused
        parsed = self._payload(request)
        if isinstance(parsed, Response):
            return parsed
        payload, files = parsed
        invalid = self._validate(payload, files)
        if invalid:
            return invalid
        message_id = str(next(self._ids))
        message = {
            "id": message_id,
            "type": 0,
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "webhook_id": WEBHOOK_ID,
            "content": payload.get("content") or "",
            "embeds": payload.get("embeds") or [],
            "attachments": [
                {
                    "id": str(next(self._ids)),
                    "filename": upload.filename,
                    "description": next(
                        (
                            a.get("description")
                            for a in payload.get("attachments") or []
                            if str(a.get("id")) == index
                        ),
                        None,
                    ),
                    "size": len(upload.content),
                    "content_type": upload.content_type,
                }
                for index, upload in files.items()
            ],
            "allowed_mentions": payload.get("allowed_mentions"),
            "username": payload.get("username") or "Website news",
            "edited_timestamp": None,
        }
        self.messages[message_id] = message
        if request.query.get("wait") != ["true"]:
            return Response(204)
        return message

    def edit(self, request: RecordedRequest, webhook_id: str, token: str, message_id: str) -> Any:
        refused = self._guard(webhook_id, token)
        if refused:
            return refused
        message = self.messages.get(message_id)
        if message is None:
            return error(404, "Unknown Message", 10008)
        payload = request.json if isinstance(request.json, dict) else {}
        files = {str(i): a for i, a in enumerate(message["attachments"])}
        for embed in payload.get("embeds") or []:
            image = (embed.get("image") or {}).get("url", "")
            if image.startswith("attachment://") and not any(
                a["filename"] == image[13:] for a in files.values()
            ):
                return form_error("embeds", "INVALID_ATTACHMENT", "Unknown attachment reference.")
        content = payload.get("content", message["content"]) or ""
        if len(content) > CONTENT_LIMIT:
            return form_error(
                "content", "BASE_TYPE_MAX_LENGTH", f"Must be {CONTENT_LIMIT} or fewer in length."
            )
        message.update(content=content, edited_timestamp="2026-09-01T10:00:00+00:00")
        if "embeds" in payload:
            message["embeds"] = payload["embeds"]
        return message

    def delete(self, request: RecordedRequest, webhook_id: str, token: str, message_id: str) -> Any:
        refused = self._guard(webhook_id, token)
        if refused:
            return refused
        if self.messages.pop(message_id, None) is None:
            return error(404, "Unknown Message", 10008)
        return Response(204)
