"""A strict fake of a Bluesky PDS's XRPC API (the calls the adapter makes), kept in memory.

It enforces what the reference PDS enforces, as shared/reference/platforms.md §2 and
shared/reference/bluesky-pds.md document it: every error is an XRPC body
``{"error": "Name", "message": "…"}``; ``createSession`` takes the identifier and an app password
(wrong → 401 ``AuthenticationRequired``); access tokens are JWTs with an ``exp`` (expired → 400
``ExpiredToken``, unknown → 400 ``InvalidToken``) and are renewed with ``refreshSession`` (the old
refresh token is spent); records are validated like the lexicon says (text ≤ 300 graphemes and
≤ 3000 UTF-8 bytes, images need ``alt``, at most 4, a blob over ``max_blob_bytes`` is refused
when the record is created); ``putRecord`` with ``swapRecord: null`` only creates (an existing
different record → ``InvalidSwap``, an identical one is answered with itself); rate limits answer
429 with ``RateLimit-Limit/Remaining/Reset/Policy``.

What exists is in ``records`` (rkey → record) and ``blobs`` (cid → bytes), so tests assert on it.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import time
from typing import Any

import regex

from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

POST = "app.bsky.feed.post"
XRPC = r"/xrpc/"


def xrpc_error(status: int, name: str, message: str, headers: dict | None = None) -> Response:
    return Response.json({"error": name, "message": message}, status, headers)


def fake_jwt(subject: str, scope: str, lifetime: float) -> str:
    """A JWT-shaped token whose payload the adapter may read (``exp``); never verified."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {
        "scope": scope,
        "sub": subject,
        "iat": int(time.time()),
        "exp": int(time.time() + lifetime),
        "jti": secrets.token_hex(8),
    }
    return f"{part({'typ': 'at+jwt', 'alg': 'HS256'})}.{part(claims)}.{secrets.token_hex(16)}"


class FakeBlueskyPDS(FakeServer):
    """One account on an in-memory PDS.

    ``revoke_all()`` makes the app password and every session worthless (the account holder
    deleted the app password); ``limit(seconds)`` answers the next write with a 429.
    """

    def __init__(
        self,
        *,
        handle: str = "acme.bsky.social",
        did: str = "did:plc:fakeacme0000000000000001",
        app_password: str = "abcd-efgh-ijkl-mnop",
        access_lifetime: float = 7200,  # platforms.md §2: access 120 minutes
        max_blob_bytes: int = 1_000_000,  # this PDS generation's image limit (platforms.md §2)
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.handle, self.did, self.app_password = handle, did, app_password
        self.access_lifetime = access_lifetime
        self.max_blob_bytes = max_blob_bytes
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.logins = 0
        self.records: dict[str, dict[str, Any]] = {}  # rkey → {"value", "cid"}
        self.blobs: dict[str, bytes] = {}
        self._revs = itertools.count(1)
        for method, nsid, handler in (
            ("POST", "com.atproto.server.createSession", self.create_session),
            ("POST", "com.atproto.server.refreshSession", self.refresh_session),
            ("GET", "com.atproto.server.getSession", self.get_session),
            ("POST", "com.atproto.repo.uploadBlob", self.upload_blob),
            ("POST", "com.atproto.repo.putRecord", self.put_record),
            ("POST", "com.atproto.repo.createRecord", self.create_record),
            ("GET", "com.atproto.repo.getRecord", self.get_record),
            ("POST", "com.atproto.repo.deleteRecord", self.delete_record),
        ):
            self.add_route(method, XRPC + nsid.replace(".", r"\."), handler)

    # -- test controls ---------------------------------------------------------------------------

    def revoke_all(self) -> None:
        self.app_password = ""
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def limit(self, seconds: int, *, path: str = XRPC + r"com\.atproto\.repo\.putRecord") -> float:
        """The next matching request is refused by the rate limiter; returns the wait."""
        reset = int(time.time() + seconds)
        self.fail(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            headers={
                "RateLimit-Limit": "5000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(reset),
                "RateLimit-Policy": "5000;w=3600",
            },
            method="POST",
            path=path,
        )
        return float(seconds)

    def post_text(self, rkey: str) -> str | None:
        record = self.records.get(rkey)
        return record["value"]["text"] if record else None

    # -- auth ------------------------------------------------------------------------------------

    def _new_session(self) -> dict[str, str]:
        access = fake_jwt(self.did, "com.atproto.appPass", self.access_lifetime)
        refresh = fake_jwt(self.did, "com.atproto.refresh", 90 * 24 * 3600)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"did": self.did, "handle": self.handle, "accessJwt": access, "refreshJwt": refresh}

    def _bearer(self, request: RecordedRequest, tokens: set[str]) -> Response | None:
        token = request.bearer_token
        if not token:
            return xrpc_error(401, "AuthMissing", "Authentication Required")
        if token not in tokens:
            return xrpc_error(400, "InvalidToken", "Token could not be verified")
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError):
            return xrpc_error(400, "InvalidToken", "Malformed token")
        if claims["exp"] <= time.time():
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return None

    def create_session(self, request: RecordedRequest) -> Any:
        body = request.json if isinstance(request.json, dict) else {}
        identifier, password = body.get("identifier"), body.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            return xrpc_error(400, "InvalidRequest", 'Input must have the property "identifier"')
        if (
            identifier not in (self.handle, self.did)
            or not self.app_password
            or not secrets.compare_digest(password, self.app_password)
        ):
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.logins += 1
        return self._new_session()

    def refresh_session(self, request: RecordedRequest) -> Any:
        refused = self._bearer(request, self.refresh_tokens)
        if refused is not None:
            return refused
        self.refresh_tokens.discard(request.bearer_token)  # single use
        return self._new_session()

    def get_session(self, request: RecordedRequest) -> Any:
        refused = self._bearer(request, self.access_tokens)
        return refused or {"did": self.did, "handle": self.handle, "active": True}

    # -- blobs -----------------------------------------------------------------------------------

    def upload_blob(self, request: RecordedRequest) -> Any:
        refused = self._bearer(request, self.access_tokens)
        if refused is not None:
            return refused
        mime = request.headers.get("Content-Type", "")
        if not request.body:
            return xrpc_error(400, "InvalidRequest", "Request body is empty")
        cid = "bafkrei" + hashlib.sha256(request.body).hexdigest()[:52]
        self.blobs[cid] = request.body
        return {
            "blob": {
                "$type": "blob",
                "ref": {"$link": cid},
                "mimeType": mime,
                "size": len(request.body),
            }
        }

    # -- records ---------------------------------------------------------------------------------

    def _validate(self, record: Any) -> Response | None:
        def invalid(message: str) -> Response:
            return xrpc_error(
                400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {message}"
            )

        if not isinstance(record, dict) or record.get("$type") != POST:
            return invalid("Record/$type must be app.bsky.feed.post")
        text = record.get("text")
        if not isinstance(text, str):
            return invalid('Record must have the property "text"')
        if len(text.encode()) > 3000:
            return invalid("Record/text must not be longer than 3000 characters")
        if len(regex.findall(r"\X", text)) > 300:
            return invalid("Record/text must not be longer than 300 graphemes")
        if not isinstance(record.get("createdAt"), str):
            return invalid('Record must have the property "createdAt"')
        embed = record.get("embed")
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.images":
            images = embed.get("images") or []
            if not 1 <= len(images) <= 4:
                return invalid("Record/embed/images must not have more than 4 elements")
            for i, image in enumerate(images):
                if not isinstance(image.get("alt"), str):
                    return invalid(f'Record/embed/images/{i} must have the property "alt"')
                problem = self._blob_problem(image.get("image"), self.max_blob_bytes)
                if problem:
                    return problem
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.external":
            thumb = (embed.get("external") or {}).get("thumb")
            problem = self._blob_problem(thumb, 1_000_000) if thumb else None
            if problem:
                return problem
        return None

    def _blob_problem(self, blob: Any, limit: int) -> Response | None:
        cid = ((blob or {}).get("ref") or {}).get("$link")
        if cid not in self.blobs:
            return xrpc_error(400, "InvalidRequest", f"Could not find blob: {cid}")
        size = len(self.blobs[cid])
        if size > limit:
            return xrpc_error(400, "InvalidRequest", f"blob too big (maximum {limit}, got {size})")
        return None

    def _write(self, request: RecordedRequest, *, put: bool) -> Any:
        refused = self._bearer(request, self.access_tokens)
        if refused is not None:
            return refused
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("repo") not in (self.did, self.handle):
            return xrpc_error(400, "InvalidRequest", "Could not find repo")
        if body.get("collection") != POST:
            return xrpc_error(400, "InvalidRequest", "Unsupported collection")
        record = body.get("record")
        problem = self._validate(record)
        if problem is not None:
            return problem
        rkey = body.get("rkey") if put else None
        if put and not isinstance(rkey, str):
            return xrpc_error(400, "InvalidRequest", 'Input must have the property "rkey"')
        rkey = rkey or f"3l{next(self._revs):011d}"
        cid = (
            "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:52]
        )
        existing = self.records.get(rkey)
        if existing is not None:
            if put and "swapRecord" in body and body["swapRecord"] is None:
                if existing["cid"] != cid:
                    return xrpc_error(400, "InvalidSwap", f"Record was at {existing['cid']}")
            elif not put:
                return xrpc_error(400, "InvalidRequest", "Record already exists")
        self.records[rkey] = {"value": record, "cid": cid}
        return {"uri": f"at://{self.did}/{POST}/{rkey}", "cid": cid, "validationStatus": "valid"}

    def put_record(self, request: RecordedRequest) -> Any:
        return self._write(request, put=True)

    def create_record(self, request: RecordedRequest) -> Any:
        return self._write(request, put=False)

    def get_record(self, request: RecordedRequest) -> Any:
        if (
            request.value("repo") not in (self.did, self.handle)
            or request.value("collection") != POST
        ):
            return xrpc_error(400, "InvalidRequest", "Could not locate record")
        rkey = request.value("rkey") or ""
        record = self.records.get(rkey)
        if record is None:
            return xrpc_error(400, "RecordNotFound", f"Could not locate record: {rkey}")
        return {
            "uri": f"at://{self.did}/{POST}/{rkey}",
            "cid": record["cid"],
            "value": record["value"],
        }

    def delete_record(self, request: RecordedRequest) -> Any:
        refused = self._bearer(request, self.access_tokens)
        if refused is not None:
            return refused
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("repo") not in (self.did, self.handle) or body.get("collection") != POST:
            return xrpc_error(400, "InvalidRequest", "Could not find repo")
        # The reference PDS answers a delete of a missing record with success too.
        self.records.pop(str(body.get("rkey") or ""), None)
        return {}
