"""A strict fake X API v2 server (shared/reference/platforms.md, section 3).

Enforces: OAuth 2 Bearer tokens that expire, or OAuth 1.0a signatures verified for real
(HMAC-SHA1 over the signature base string, with oauthlib's helpers; stale timestamps and
reused nonces refused); one-shot ``POST /2/media/upload`` (``media_category=tweet_image``,
≤ 5 MB); ``POST /2/media/metadata`` (alt text ≤ 1000); ``POST /2/tweets`` (twitter-text
weighted length ≤ 280 via ``compose.length.measure``, 1–4 known media ids, duplicate text →
403); ``DELETE /2/tweets/:id``; per-endpoint rate limits answered with 429 and the
``x-rate-limit-*`` headers; the refresh-token grant on ``POST /2/oauth2/token``.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

from wagtail_crosspost.compose.length import measure
from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

# The error bodies platforms.md 3 documents ("Typical errors").
INVALID_TOKEN = {"errors": [{"message": "Invalid or expired token", "code": 89}]}
RATE_LIMITED = {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
IMAGE_LIMIT = 5_000_000
ALT_LIMIT = 1000
TEXT_LIMIT = 280
MAX_MEDIA = 4
OAUTH1_REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
)


def invalid_request(message: str) -> Response:
    return Response.json(
        {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
        400,
    )


@dataclass
class User:
    id: str
    username: str


@dataclass
class RateLimit:
    limit: int
    remaining: int
    reset: float


@dataclass
class App:
    client_id: str = "x-client-id"
    client_secret: str = "x-client-secret-abcdef"  # noqa: S105
    consumer_key: str = "x-consumer-key-123"
    consumer_secret: str = "x-consumer-secret-abcdefghij"  # noqa: S105
    confidential: bool = False


@dataclass
class Grant:
    user: User
    access_token: str
    refresh_token: str
    expires_at: float
    oauth1_secret: str = ""
    revoked: bool = False
    scopes: set[str] = field(
        default_factory=lambda: {"tweet.write", "tweet.read", "users.read", "media.write"}
    )


class FakeX(FakeServer):
    def __init__(self, *, app: App | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.app = app or App()
        self.clock = time.time
        self.user = User("1500000000000000001", "companyhq")
        self.oauth2: dict[str, Grant] = {}
        self.oauth1: dict[str, Grant] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.nonces: set[str] = set()
        # platforms.md 3, "Rate limits": per user per 15 minutes.
        self.rate_limits: dict[str, RateLimit] = {}
        self._ids = itertools.count(1_880_000_000_000_000_001)
        self.bearer = self.grant_oauth2()
        self.oauth1_grant = self.grant_oauth1()
        self.add_route("POST", r"/2/media/upload", self.upload)
        self.add_route("POST", r"/2/media/metadata", self.metadata)
        self.add_route("POST", r"/2/tweets", self.create_tweet)
        self.add_route("DELETE", r"/2/tweets/(?P<tweet_id>[^/]+)", self.delete_tweet)
        self.add_route("GET", r"/2/users/me", self.me)
        self.add_route("POST", r"/2/oauth2/token", self.token)

    # -- credentials -------------------------------------------------------------------------

    def grant_oauth2(self, lifetime: float = 7200) -> Grant:
        grant = Grant(
            self.user,
            "x-oauth2-" + secrets.token_urlsafe(12),
            "x-refresh-" + secrets.token_urlsafe(12),
            self.clock() + lifetime,
        )
        self.oauth2[grant.access_token] = grant
        return grant

    def grant_oauth1(self) -> Grant:
        grant = Grant(
            self.user,
            "1500000000000000001-" + secrets.token_urlsafe(12),
            "",
            float("inf"),  # platforms.md 3: OAuth 1.0a tokens do not expire
            oauth1_secret="x-token-secret-" + secrets.token_urlsafe(12),
        )
        self.oauth1[grant.access_token] = grant
        return grant

    def limit(self, name: str, remaining: int, reset_in: float = 900, limit: int = 100) -> None:
        """Rate-limit ``name`` (e.g. "POST /2/tweets") to ``remaining`` more requests."""
        self.rate_limits[name] = RateLimit(limit, remaining, self.clock() + reset_in)

    def _auth(self, request: RecordedRequest) -> Grant | Response:
        header = request.headers.get("Authorization", "")
        if header.startswith("OAuth "):
            return self._oauth1(request, header)
        grant = self.oauth2.get(request.bearer_token)
        if grant is None or grant.revoked or grant.expires_at <= self.clock():
            return Response.json(INVALID_TOKEN, 401)
        return grant

    def _oauth1(self, request: RecordedRequest, header: str) -> Grant | Response:
        params = {
            name: oauth_utils.unescape(value)
            for name, value in oauth_utils.parse_authorization_header(header)
        }
        unauthorized = Response.json(
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
            401,
        )
        if any(not params.get(name) for name in OAUTH1_REQUIRED):
            return unauthorized
        if params["oauth_signature_method"] != "HMAC-SHA1":
            return unauthorized
        if params["oauth_consumer_key"] != self.app.consumer_key:
            return unauthorized
        grant = self.oauth1.get(params["oauth_token"])
        if grant is None or grant.revoked:
            return unauthorized
        if abs(self.clock() - int(params["oauth_timestamp"])) > 300:
            return unauthorized
        if params["oauth_nonce"] in self.nonces:
            return unauthorized
        uri = self.url + request.path
        query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        if query:
            uri += "?" + query
        content_type = request.headers.get("Content-Type", "")
        body = (
            request.body.decode()
            if content_type.startswith("application/x-www-form-urlencoded")
            else None
        )
        collected = oauth_signature.collect_parameters(
            uri_query=query,
            body=body,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        base_string = oauth_signature.signature_base_string(
            request.method,
            oauth_signature.base_string_uri(uri),
            oauth_signature.normalize_parameters(collected),
        )
        expected = oauth_signature.sign_hmac_sha1_with_client(
            base_string,
            SimpleNamespace(
                client_secret=self.app.consumer_secret, resource_owner_secret=grant.oauth1_secret
            ),
        )
        if not oauth_signature.safe_string_equals(expected, params["oauth_signature"]):
            return unauthorized
        self.nonces.add(params["oauth_nonce"])
        return grant

    def _rate(self, name: str) -> Response | None:
        limit = self.rate_limits.get(name)
        if limit is None:
            return None
        if limit.reset <= self.clock():
            limit.remaining, limit.reset = limit.limit, self.clock() + 900
        if limit.remaining <= 0:
            return Response.json(
                RATE_LIMITED,
                429,
                {
                    "x-rate-limit-limit": str(limit.limit),
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(int(limit.reset)),
                },
            )
        limit.remaining -= 1
        return None

    def _guard(self, request: RecordedRequest, name: str) -> Grant | Response:
        grant = self._auth(request)
        if isinstance(grant, Response):
            return grant
        return self._rate(name) or grant

    def _next_id(self) -> str:
        return str(next(self._ids))

    # -- routes ------------------------------------------------------------------------------

    def upload(self, request: RecordedRequest) -> Any:
        grant = self._guard(request, "POST /2/media/upload")
        if isinstance(grant, Response):
            return grant
        if "media.write" not in grant.scopes:
            return 403, {"title": "Forbidden", "status": 403, "detail": "Missing media.write"}
        upload = request.file("media")
        if upload is None:
            return invalid_request("media is required")
        if request.value("media_category") != "tweet_image":
            return invalid_request("media_category must be tweet_image for images")
        if upload.content_type not in ("image/jpeg", "image/png", "image/webp", "image/gif"):
            return invalid_request("Unsupported media type")
        if len(upload.content) > IMAGE_LIMIT:
            return invalid_request("File size exceeds 5242880 bytes.")
        media_id = self._next_id()
        self.media[media_id] = {
            "id": media_id,
            "owner": grant.user.id,
            "content": upload.content,
            "alt_text": None,
            "tweet": None,
        }
        return {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(upload.content),
                "expires_after_secs": 86400,
                "image": {"image_type": upload.content_type, "w": 1200, "h": 675},
            }
        }

    def metadata(self, request: RecordedRequest) -> Any:
        grant = self._guard(request, "POST /2/media/metadata")
        if isinstance(grant, Response):
            return grant
        body = request.json if isinstance(request.json, dict) else {}
        media = self.media.get(str(body.get("id")))
        if media is None or media["owner"] != grant.user.id:
            return invalid_request("Your media IDs are invalid.")
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if not isinstance(alt, str):
            return invalid_request("metadata.alt_text.text is required")
        if len(alt) > ALT_LIMIT:
            return invalid_request(f"alt_text.text must be at most {ALT_LIMIT} characters")
        media["alt_text"] = alt
        return {"data": {"id": media["id"], "associated_metadata": True}}

    def create_tweet(self, request: RecordedRequest) -> Any:
        grant = self._guard(request, "POST /2/tweets")
        if isinstance(grant, Response):
            return grant
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return invalid_request("Content-Type must be application/json")
        body = request.json if isinstance(request.json, dict) else {}
        text = body.get("text")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not isinstance(text, str) or (not text.strip() and not media_ids):
            return invalid_request("text is required when media is not present")
        if measure(text, "x") > TEXT_LIMIT:
            return invalid_request("Your Tweet text is too long.")
        if len(media_ids) > MAX_MEDIA:
            return invalid_request("media_ids must contain a maximum of 4 items")
        reply = body.get("reply")
        reply_to = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if reply is not None and (not isinstance(reply_to, str) or reply_to not in self.tweets):
            return invalid_request(
                "reply.in_reply_to_tweet_id: the post you are replying to is deleted or not visible"
            )
        if any(
            not isinstance(m, str)
            or m not in self.media
            or self.media[m]["owner"] != grant.user.id
            or self.media[m]["tweet"] is not None
            for m in media_ids
        ):
            return invalid_request("Your media IDs are invalid.")
        if text.strip() and any(
            t["text"] == text and t["author"] == grant.user.id for t in self.tweets.values()
        ):
            return Response.json(DUPLICATE, 403)
        tweet_id = self._next_id()
        self.tweets[tweet_id] = {
            "id": tweet_id,
            "text": text,
            "author": grant.user.id,
            "media_ids": list(media_ids),
            "in_reply_to": reply_to,
        }
        for media_id in media_ids:
            self.media[media_id]["tweet"] = tweet_id
        return 201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}

    def delete_tweet(self, request: RecordedRequest, tweet_id: str) -> Any:
        grant = self._guard(request, "DELETE /2/tweets")
        if isinstance(grant, Response):
            return grant
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            return 404, {
                "title": "Not Found Error",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
                "detail": f"Could not find tweet with id: [{tweet_id}].",
            }
        if tweet["author"] != grant.user.id:
            return 403, {
                "title": "Forbidden",
                "status": 403,
                "detail": "You are not allowed to delete this Tweet.",
            }
        del self.tweets[tweet_id]
        return {"data": {"deleted": True}}

    def me(self, request: RecordedRequest) -> Any:
        grant = self._guard(request, "GET /2/users/me")
        if isinstance(grant, Response):
            return grant
        return {
            "data": {"id": grant.user.id, "name": "Company HQ", "username": grant.user.username}
        }

    def token(self, request: RecordedRequest) -> Any:
        invalid = (
            400,
            {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
        )
        if request.value("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        auth = request.headers.get("Authorization", "")
        if self.app.confidential:
            expected = base64.b64encode(
                f"{self.app.client_id}:{self.app.client_secret}".encode()
            ).decode()
            if auth != f"Basic {expected}":
                return 401, {
                    "error": "invalid_client",
                    "error_description": "Missing valid authorization header",
                }
        elif request.value("client_id") != self.app.client_id:
            return 400, {
                "error": "invalid_request",
                "error_description": "Missing required parameter [client_id].",
            }
        old = next(
            (
                g
                for g in self.oauth2.values()
                if g.refresh_token == request.value("refresh_token") and not g.revoked
            ),
            None,
        )
        if old is None:
            return invalid
        old.revoked = True  # refresh tokens are single-use: the old pair is spent
        new = self.grant_oauth2()
        return {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": new.access_token,
            "scope": " ".join(sorted(new.scopes | {"offline.access"})),
            "refresh_token": new.refresh_token,
        }
