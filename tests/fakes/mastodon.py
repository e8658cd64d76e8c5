"""A strict fake Mastodon server: the documented client API contract, kept in memory.

Enforces what a real server enforces (Bearer token, status length as Mastodon counts it, media
types and sizes, alt-text length, media that is still processing, ``Idempotency-Key``), so an
adapter that passes here does what a real server expects. Sources: mastodon/documentation
(``methods/statuses.md``, ``methods/media.md``, ``entities/Instance.md``) and
``app/validators/status_length_validator.rb``, as summarised in shared/reference/platforms.md.
"""

from __future__ import annotations

import html
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import regex

from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

URL_RE = regex.compile(r"https?://[^\s<>\"]+")
URL_TRAILING = ".,:;!?'\")]}"
# "@alice@example.com" counts as "@alice" (the domain part is not counted).
REMOTE_MENTION_RE = regex.compile(
    r"(?<![\p{L}\p{N}_/@])@([\p{L}\p{N}_]+)@[\p{L}\p{N}.-]+[\p{L}\p{N}]"
)

IDEMPOTENCY_SECONDS = 3600


def status_length(text: str, spoiler_text: str = "", url_weight: int = 23) -> int:
    """Mastodon's counted length: graphemes, every URL = ``url_weight``, remote mentions local."""

    def url(match: regex.Match) -> str:
        found = match.group(0)
        stripped = found.rstrip(URL_TRAILING)
        return "x" * url_weight + found[len(stripped) :]

    countable = URL_RE.sub(url, text)
    countable = REMOTE_MENTION_RE.sub(lambda m: "@" + m.group(1), countable)
    return len(regex.findall(r"\X", countable)) + len(regex.findall(r"\X", spoiler_text))


@dataclass
class Account:
    id: str
    username: str
    token: str


@dataclass
class Limits:
    max_characters: int = 500
    characters_reserved_per_url: int = 23
    max_media_attachments: int = 4
    image_size_limit: int = 16_777_216
    image_matrix_limit: int = 33_177_600
    description_limit: int = 1500
    supported_mime_types: list[str] = field(
        default_factory=lambda: ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]
    )


class FakeMastodon(FakeServer):
    """In-memory Mastodon. ``statuses`` and ``media`` hold exactly what exists on the server.

    ``instance_api``: "v2" (default), "v1" (``/api/v2/instance`` answers 404, like old servers and
    some compatible ones) or "none". ``processing_polls``: uploads answer 202 and become ready
    after that many ``GET /api/v1/media/:id``. ``bad_token_status``: 401 like Mastodon, or 422
    like some compatible servers.
    """

    def __init__(
        self,
        *,
        token: str = "s3cret-access-token-1234",
        username: str = "crossposter",
        limits: Limits | None = None,
        instance_api: str = "v2",
        processing_polls: int = 0,
        bad_token_status: int = 401,
        software: tuple[str, str] | None = ("mastodon", "4.4.0"),
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        #: nodeinfo ``software`` (name, version); None: no nodeinfo (404)
        self.software = software
        #: Mastodon honours Idempotency-Key; the GoToSocial-like mode does not
        self.honours_key = True
        self.limits = limits or Limits()
        self.instance_api = instance_api
        self.processing_polls = processing_polls
        self.bad_token_status = bad_token_status
        self.accounts: dict[str, Account] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self.clock = time.monotonic
        self._ids = itertools.count(110_000_000_000_000_001)
        self._pending_polls: dict[str, int] = {}
        self._owner: dict[str, str] = {}  # media/status id -> account id
        self.account = self.add_account(token, username)
        self._routes_mastodon()

    def add_account(self, token: str, username: str) -> Account:
        account = Account(self._next_id(), username, token)
        self.accounts[token] = account
        return account

    @property
    def domain(self) -> str:
        return self.url.split("://", 1)[1]

    def _next_id(self) -> str:
        return str(next(self._ids))

    # -- routes ------------------------------------------------------------------------------

    def _routes_mastodon(self) -> None:
        self.add_route("GET", r"/api/v2/instance", self.instance_v2)
        self.add_route("GET", r"/api/v1/instance", self.instance_v1)
        self.add_route("GET", r"/\.well-known/nodeinfo", self.nodeinfo_index)
        self.add_route("GET", r"/nodeinfo/2\.0", self.nodeinfo)
        self.add_route("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials)
        self.add_route(
            "GET", r"/api/v1/accounts/(?P<account_id>[^/]+)/statuses", self.account_statuses
        )
        self.add_route("GET", r"/api/v1/statuses/(?P<status_id>[^/]+)/source", self.status_source)
        self.add_route("POST", r"/api/v2/media", self.upload_media)
        self.add_route("GET", r"/api/v1/media/(?P<media_id>[^/]+)", self.get_media)
        self.add_route("POST", r"/api/v1/statuses", self.create_status)
        self.add_route("GET", r"/api/v1/statuses/(?P<status_id>[^/]+)", self.get_status)
        self.add_route("PUT", r"/api/v1/statuses/(?P<status_id>[^/]+)", self.edit_status)
        self.add_route("DELETE", r"/api/v1/statuses/(?P<status_id>[^/]+)", self.delete_status)

    def _auth(self, request: RecordedRequest) -> Account | Response:
        account = self.accounts.get(request.bearer_token)
        if account is None:
            return Response.json({"error": "The access token is invalid"}, self.bad_token_status)
        return account

    def _configuration(self) -> dict[str, Any]:
        limits = self.limits
        return {
            "statuses": {
                "max_characters": limits.max_characters,
                "max_media_attachments": limits.max_media_attachments,
                "characters_reserved_per_url": limits.characters_reserved_per_url,
            },
            "media_attachments": {
                "supported_mime_types": limits.supported_mime_types,
                "description_limit": limits.description_limit,
                "image_size_limit": limits.image_size_limit,
                "image_matrix_limit": limits.image_matrix_limit,
                "video_size_limit": 103_809_024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8_294_400,
            },
        }

    def instance_v2(self, request: RecordedRequest) -> Any:
        if self.instance_api != "v2":
            return 404, {"error": "Record not found"}
        return {
            "domain": self.domain,
            "title": "Fake Mastodon",
            "version": "4.4.0",
            "configuration": self._configuration(),
        }

    def instance_v1(self, request: RecordedRequest) -> Any:
        if self.instance_api == "none":
            return 404, {"error": "Record not found"}
        return {
            "uri": self.domain,
            "title": "Fake Mastodon",
            "version": "3.5.0",
            "configuration": self._configuration(),
        }

    def nodeinfo_index(self, request: RecordedRequest) -> Any:
        if self.software is None:
            return 404, {"error": "Record not found"}
        rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
        return {"links": [{"rel": rel, "href": f"{self.url}/nodeinfo/2.0"}]}

    def nodeinfo(self, request: RecordedRequest) -> Any:
        if self.software is None:
            return 404, {"error": "Record not found"}
        name, version = self.software
        return {"version": "2.0", "software": {"name": name, "version": version}}

    def account_statuses(self, request: RecordedRequest, account_id: str) -> Any:
        """Newest first, at most ``limit`` (default 20, max 40), the account's own statuses."""
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        try:
            limit = min(int(request.query.get("limit", ["20"])[0]), 40)
        except ValueError:
            limit = 20
        mine = [s for s in self.statuses.values() if s["account"].id == account_id]
        mine.sort(key=lambda s: int(s["id"]), reverse=True)
        return [self._status_json(s) for s in mine[:limit]]

    def status_source(self, request: RecordedRequest, status_id: str) -> Any:
        status = self.statuses.get(status_id)
        if status is None:
            return 404, {"error": "Record not found"}
        return {"id": status_id, "text": status["text"], "spoiler_text": status["spoiler_text"]}

    def verify_credentials(self, request: RecordedRequest) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        return self._account_json(account)

    def upload_media(self, request: RecordedRequest) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        upload = request.file("file")
        if upload is None:
            return 422, {"error": "Validation failed: File can't be blank"}
        if upload.content_type not in self.limits.supported_mime_types:
            return 422, {
                "error": "Validation failed: File content type is invalid, File is invalid"
            }
        if len(upload.content) > self.limits.image_size_limit:
            megabytes = self.limits.image_size_limit // (1024 * 1024)
            return 422, {
                "error": f"Validation failed: File file size must be less than {megabytes} MB"
            }
        description = request.value("description") or ""
        if len(description) > self.limits.description_limit:
            return 422, {
                "error": "Validation failed: Description is too long (maximum is "
                f"{self.limits.description_limit} characters)"
            }
        focus = None
        focus_value = request.value("focus")
        if focus_value:
            x, y = (float(v) for v in focus_value.split(","))
            if not (-1 <= x <= 1 and -1 <= y <= 1):
                return 422, {"error": "Validation failed: Focus is out of range"}
            focus = {"x": x, "y": y}
        media_id = self._next_id()
        processing = self.processing_polls > 0
        self._pending_polls[media_id] = self.processing_polls
        attachment = {
            "id": media_id,
            "type": "image",
            "url": None if processing else f"{self.url}/media/{media_id}/{upload.filename}",
            "preview_url": f"{self.url}/media/{media_id}/small",
            "description": description or None,
            "meta": {"focus": focus} if focus else {},
            "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            "_content": upload.content,
            "_status_id": None,
        }
        self.media[media_id] = attachment
        self._owner[media_id] = account.id
        return 202 if processing else 200, self._media_json(attachment)

    def get_media(self, request: RecordedRequest, media_id: str) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        attachment = self.media.get(media_id)
        if attachment is None or self._owner.get(media_id) != account.id:
            return 404, {"error": "Record not found"}
        if self._pending_polls.get(media_id, 0) > 0:
            self._pending_polls[media_id] -= 1
            if self._pending_polls[media_id] == 0:
                attachment["url"] = f"{self.url}/media/{media_id}/original"
            else:
                return 206, self._media_json(attachment)  # "still processing"
        return self._media_json(attachment)

    def create_status(self, request: RecordedRequest) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        key = request.headers.get("Idempotency-Key") if self.honours_key else None
        if key:
            known = self.idempotency.get((account.id, key))
            if known and self.clock() - known[1] < IDEMPOTENCY_SECONDS:
                status = self.statuses.get(known[0])
                if status is not None:
                    return self._status_json(status)
        fields = self._status_fields(request)
        error = self._validate(account, fields, status_id=None)
        if error:
            return error
        reply_to = fields["in_reply_to_id"]
        if reply_to and reply_to not in self.statuses:  # Status.find raises: 404
            return 404, {"error": "Record not found"}
        status_id = self._next_id()
        now = _now()
        status = {
            "id": status_id,
            "created_at": now,
            "edited_at": None,
            "account": account,
            "text": fields["text"],
            "spoiler_text": fields["spoiler_text"],
            "visibility": fields["visibility"] or "public",
            "language": fields["language"] or "en",
            "media_ids": fields["media_ids"],
            "in_reply_to_id": reply_to or None,
            "edits": 0,
        }
        self.statuses[status_id] = status
        self._owner[status_id] = account.id
        for media_id in fields["media_ids"]:
            self.media[media_id]["_status_id"] = status_id
        if key:
            self.idempotency[(account.id, key)] = (status_id, self.clock())
        return self._status_json(status)

    def get_status(self, request: RecordedRequest, status_id: str) -> Any:
        status = self.statuses.get(status_id)
        if status is None:
            return 404, {"error": "Record not found"}
        return self._status_json(status)

    def edit_status(self, request: RecordedRequest, status_id: str) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        status = self.statuses.get(status_id)
        if status is None or self._owner.get(status_id) != account.id:
            return 404, {"error": "Record not found"}
        fields = self._status_fields(request)
        error = self._validate(account, fields, status_id=status_id)
        if error:
            return error
        for media_id in status["media_ids"]:
            if media_id not in fields["media_ids"]:
                self.media[media_id]["_status_id"] = None
        for media_id in fields["media_ids"]:
            self.media[media_id]["_status_id"] = status_id
        status.update(
            text=fields["text"],
            spoiler_text=fields["spoiler_text"],
            media_ids=fields["media_ids"],
            edited_at=_now(),
            edits=status["edits"] + 1,
        )
        if fields["language"]:
            status["language"] = fields["language"]
        return self._status_json(status)

    def delete_status(self, request: RecordedRequest, status_id: str) -> Any:
        account = self._auth(request)
        if isinstance(account, Response):
            return account
        status = self.statuses.get(status_id)
        if status is None or self._owner.get(status_id) != account.id:
            return 404, {"error": "Record not found"}
        del self.statuses[status_id]
        answer = self._status_json(status)
        answer["text"] = status["text"]  # the delete answer carries the source text
        return answer

    # -- validation --------------------------------------------------------------------------

    def _status_fields(self, request: RecordedRequest) -> dict[str, Any]:
        if isinstance(request.json, dict):  # Mastodon also takes JSON bodies
            data = request.json
            media_ids = [str(m) for m in data.get("media_ids") or []]
        else:
            data = {name: request.value(name) for name in request.form}
            media_ids = request.values("media_ids[]")
        get = data.get
        return {
            "text": str(get("status") or ""),
            "spoiler_text": str(get("spoiler_text") or ""),
            "visibility": str(get("visibility") or ""),
            "language": str(get("language") or ""),
            "media_ids": media_ids,
            "in_reply_to_id": str(get("in_reply_to_id") or ""),
        }

    def _validate(self, account: Account, fields: dict[str, Any], status_id: str | None):
        limits = self.limits
        if fields["visibility"] and fields["visibility"] not in (
            "public",
            "unlisted",
            "private",
            "direct",
        ):
            return 422, {"error": "Validation failed: Visibility is not included in the list"}
        media_ids = fields["media_ids"]
        if len(media_ids) > limits.max_media_attachments:
            return 422, {
                "error": "Validation failed: Cannot attach more than "
                f"{limits.max_media_attachments} files"
            }
        missing = [
            m
            for m in media_ids
            if m not in self.media
            or self._owner.get(m) != account.id
            or self.media[m]["_status_id"] not in (None, status_id)
        ]
        if missing:
            return 422, {"error": f"Media attachment(s) not found: {', '.join(missing)}"}
        if any(self.media[m]["url"] is None for m in media_ids):
            return 422, {
                "error": "Cannot attach files that have not finished processing. "
                "Try again in a moment!"
            }
        if not fields["text"].strip() and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}
        length = self.text_length(fields["text"], fields["spoiler_text"])
        if length > limits.max_characters:
            return 422, {
                "error": "Validation failed: Text character limit of "
                f"{limits.max_characters} exceeded"
            }
        return None

    def text_length(self, text: str, spoiler_text: str) -> int:
        return status_length(text, spoiler_text, self.limits.characters_reserved_per_url)

    # -- JSON --------------------------------------------------------------------------------

    def _account_json(self, account: Account) -> dict[str, Any]:
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.username.title(),
            "url": f"{self.url}/@{account.username}",
        }

    def _media_json(self, attachment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in attachment.items() if not k.startswith("_")}

    def _status_json(self, status: dict[str, Any]) -> dict[str, Any]:
        account = status["account"]
        paragraphs = "".join(
            f"<p>{html.escape(p).replace(chr(10), '<br />')}</p>"
            for p in status["text"].split("\n\n")
        )
        return {
            "id": status["id"],
            "created_at": status["created_at"],
            "edited_at": status["edited_at"],
            "uri": f"{self.url}/users/{account.username}/statuses/{status['id']}",
            "url": f"{self.url}/@{account.username}/{status['id']}",
            "content": paragraphs,
            "spoiler_text": status["spoiler_text"],
            "visibility": status["visibility"],
            "language": status["language"],
            "in_reply_to_id": status.get("in_reply_to_id"),
            "in_reply_to_account_id": account.id if status.get("in_reply_to_id") else None,
            "account": self._account_json(account),
            "media_attachments": [self._media_json(self.media[m]) for m in status["media_ids"]],
            "card": None,
        }

    # -- assertions helpers ------------------------------------------------------------------

    def texts(self) -> list[str]:
        return [s["text"] for s in self.statuses.values()]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
