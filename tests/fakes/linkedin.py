"""A strict fake LinkedIn Posts + Images API (shared/reference/platforms.md, section 4).

Enforces: a Bearer token (401 when unknown or expired), ``LinkedIn-Version`` present and not
sunset, ``X-Restli-Protocol-Version: 2.0.0`` on every ``/rest`` call; the author is the token's
member or a Page the member administers; the required post fields; commentary ≤ 3000 (UTF-16
units of what was sent) and, like LinkedIn, a commentary cut at the first unescaped reserved
character of the little format; images initialised → uploaded (PUT with the token) →
AVAILABLE before use; URNs percent-encoded in paths; ``x-restli-id`` on create; partial
update only with ``X-RestLi-Method: PARTIAL_UPDATE``; delete answering 204 again for a post
already deleted; 429 without a Retry-After header (none is documented).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from wagtail_crosspost.compose.length import utf16_len
from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

TOKEN = "AQV-linkedin-access-token-0123456789"
ACTIVE_VERSIONS = {"202510", "202511", "202512", "202601", "202602", "202603"}
COMMENTARY_LIMIT = 3000
CUTTING = set("()[]{}<>|~_*")  # unescaped, these end the visible post (mentions/tags excepted)


def li_error(status: int, message: str, code: str = "", service_code: int | None = None):
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return Response.json(body, status)


def required(path: str) -> Response:
    return li_error(
        422,
        f"ERROR :: {path} :: field is required but not found and has no default value",
        "UNPROCESSABLE_ENTITY",
    )


def visible_text(commentary: str) -> str:
    """What LinkedIn shows: escapes resolved, and the post cut at an unescaped reserved char."""
    shown, escaped = [], False
    for char in commentary:
        if escaped:
            shown.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in CUTTING:
            break
        else:
            shown.append(char)
    return "".join(shown)


@dataclass
class Member:
    id: str
    name: str
    token: str
    admin_of: set[str] = field(default_factory=set)  # organization ids
    expired: bool = False


class FakeLinkedIn(FakeServer):
    def __init__(self, *, token: str = TOKEN, processing_polls: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.member = Member("AbC123xYz", "Erika Mustermann", token, admin_of={"5515715"})
        self.members = {token: self.member}
        self.organizations = {"5515715": "Muster Maschinenbau GmbH", "999": "Someone Else AG"}
        self.images: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.processing_polls = processing_polls
        self._throttled = 0
        self._ids = itertools.count(7_300_000_000_000_000_001)
        self.add_route("POST", r"/rest/images", self.initialize_upload)
        self.add_route("PUT", r"/dms-uploads/(?P<upload_id>[^/]+)", self.upload)
        self.add_route("GET", r"/rest/images/(?P<urn>[^/]+)", self.get_image)
        self.add_route("POST", r"/rest/posts", self.create_post)
        self.add_route("POST", r"/rest/posts/(?P<urn>[^/]+)", self.update_post)
        self.add_route("DELETE", r"/rest/posts/(?P<urn>[^/]+)", self.delete_post)
        self.add_route("GET", r"/v2/userinfo", self.userinfo)
        self.add_route("GET", r"/rest/organizations/(?P<org_id>[^/]+)", self.organization)

    def throttle(self, times: int = 1) -> None:
        """The next ``times`` calls hit the (daily) application limit."""
        self._throttled += times

    # -- guards ------------------------------------------------------------------------------

    def _member(self, request: RecordedRequest, *, rest: bool = True) -> Member | Response:
        member = self.members.get(request.bearer_token)
        if member is None:
            return li_error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if member.expired:
            return li_error(
                401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65601
            )
        if self._throttled:
            self._throttled -= 1
            return li_error(
                429,
                "Resource level throttle APPLICATION DAY limit for calls to this resource "
                "is reached.",
                "TOO_MANY_REQUESTS",
            )
        if rest:
            version = request.headers.get("LinkedIn-Version")
            if not version:
                return li_error(
                    400,
                    "A version must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                    "VERSION_MISSING",
                )
            if version not in ACTIVE_VERSIONS:
                return li_error(
                    426, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
                )
            if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
                return li_error(
                    400, "X-Restli-Protocol-Version 2.0.0 is required", "PROTOCOL_VERSION_MISSING"
                )
        return member

    def _may_act_as(self, member: Member, author: str) -> bool:
        if author == f"urn:li:person:{member.id}":
            return True
        prefix = "urn:li:organization:"
        return author.startswith(prefix) and author[len(prefix) :] in member.admin_of

    def _denied(self) -> Response:
        return li_error(
            403,
            "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101",
            "ACCESS_DENIED",
            100,
        )

    @staticmethod
    def _encoded_urn(request: RecordedRequest, urn: str) -> str | Response:
        if ":" in urn:  # Rest.li wants the key percent-encoded in the path
            return li_error(400, f"Invalid resource key {urn}", "ILLEGAL_ARGUMENT")
        return unquote(urn)

    # -- images ------------------------------------------------------------------------------

    def initialize_upload(self, request: RecordedRequest) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        if request.query.get("action") != ["initializeUpload"]:
            return li_error(400, "Unsupported action", "ILLEGAL_ARGUMENT")
        body = request.json if isinstance(request.json, dict) else {}
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if not owner:
            return required("/initializeUploadRequest/owner")
        if not self._may_act_as(member, owner):
            return self._denied()
        number = next(self._ids)
        urn = f"urn:li:image:D4E10AQ{number}"
        self.images[urn] = {
            "id": urn,
            "owner": owner,
            "status": "WAITING_UPLOAD",
            "content": None,
            "polls": self.processing_polls,
        }
        return {
            "value": {
                "uploadUrlExpiresAt": int(time.time() * 1000) + 86_400_000,
                "uploadUrl": f"{self.url}/dms-uploads/{number}?ca=vector_feedshare&sync=0",
                "image": urn,
            }
        }

    def upload(self, request: RecordedRequest, upload_id: str) -> Any:
        member = self._member(request, rest=False)
        if isinstance(member, Response):
            return member
        image = self.images.get(f"urn:li:image:D4E10AQ{upload_id}")
        if image is None or not request.body:
            return li_error(400, "Bad upload", "ILLEGAL_ARGUMENT")
        image["content"] = request.body
        image["content_type"] = request.headers.get("Content-Type", "")
        image["status"] = "PROCESSING" if image["polls"] else "AVAILABLE"
        return Response(201)

    def get_image(self, request: RecordedRequest, urn: str) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        decoded = self._encoded_urn(request, urn)
        if isinstance(decoded, Response):
            return decoded
        image = self.images.get(decoded)
        if image is None:
            return li_error(404, f"Image {decoded} not found", "NOT_FOUND")
        if image["status"] == "PROCESSING":
            image["polls"] -= 1
            if image["polls"] <= 0:
                image["status"] = "AVAILABLE"
        return {"id": image["id"], "status": image["status"], "owner": image["owner"]}

    def _usable_image(self, urn: Any, author: str) -> bool:
        image = self.images.get(str(urn))
        return bool(image and image["owner"] == author and image["status"] == "AVAILABLE")

    # -- posts -------------------------------------------------------------------------------

    def create_post(self, request: RecordedRequest) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        body = request.json if isinstance(request.json, dict) else None
        if body is None:
            return li_error(400, "Request body must be JSON", "ILLEGAL_ARGUMENT")
        for name in ("author", "commentary", "visibility", "lifecycleState"):
            if name not in body:
                return required(f"/{name}")
        if not (body.get("distribution") or {}).get("feedDistribution"):
            return required("/distribution/feedDistribution")
        if body["lifecycleState"] != "PUBLISHED" or body["visibility"] not in (
            "PUBLIC",
            "CONNECTIONS",
            "LOGGED_IN",
        ):
            return li_error(422, "ERROR :: /visibility :: invalid enum value", "UNPROCESSABLE")
        author = str(body["author"])
        if not self._may_act_as(member, author):
            return self._denied()
        commentary = str(body["commentary"])
        if utf16_len(commentary) > COMMENTARY_LIMIT:
            return li_error(
                422,
                "ERROR :: /commentary :: length of commentary exceeds the maximum allowed "
                f"({COMMENTARY_LIMIT})",
                "UNPROCESSABLE_ENTITY",
            )
        error = self._check_content(body.get("content"), author)
        if error is not None:
            return error
        urn = f"urn:li:share:{next(self._ids)}"
        self.posts[urn] = {
            "id": urn,
            "author": author,
            "commentary": commentary,
            "visible": visible_text(commentary),
            "content": body.get("content"),
            "version": request.headers.get("LinkedIn-Version"),
        }
        return Response(201, b"", {"x-restli-id": urn, "x-linkedin-id": urn})

    def _check_content(self, content: Any, author: str) -> Response | None:
        if content is None:
            return None
        if not isinstance(content, dict) or len(content) != 1:
            return li_error(422, "ERROR :: /content :: exactly one content type is allowed")
        if "media" in content:
            if not self._usable_image(content["media"].get("id"), author):
                return li_error(422, "ERROR :: /content/media/id :: image is not available")
        elif "multiImage" in content:
            images = content["multiImage"].get("images") or []
            if not 2 <= len(images) <= 20:
                return li_error(422, "ERROR :: /content/multiImage/images :: 2 to 20 images")
            if not all(self._usable_image(i.get("id"), author) for i in images):
                return li_error(422, "ERROR :: /content/multiImage :: image is not available")
        elif "article" in content:
            article = content["article"]
            if not article.get("source"):
                return required("/content/article/source")
            if not article.get("title"):
                return required("/content/article/title")
            thumb = article.get("thumbnail")
            if thumb is not None and not self._usable_image(thumb, author):
                return li_error(422, "ERROR :: /content/article/thumbnail :: image not found")
        else:
            return li_error(422, "ERROR :: /content :: unknown content type")
        return None

    def update_post(self, request: RecordedRequest, urn: str) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        decoded = self._encoded_urn(request, urn)
        if isinstance(decoded, Response):
            return decoded
        if request.headers.get("X-RestLi-Method") != "PARTIAL_UPDATE":
            return li_error(400, "X-RestLi-Method PARTIAL_UPDATE is required", "ILLEGAL_ARGUMENT")
        post = self.posts.get(decoded)
        if post is None:
            return li_error(404, f"Post {decoded} not found", "NOT_FOUND")
        if not self._may_act_as(member, post["author"]):
            return self._denied()
        patch = ((request.json or {}).get("patch") or {}).get("$set")
        if not isinstance(patch, dict) or set(patch) - {
            "commentary",
            "contentCallToActionLabel",
            "contentLandingPage",
            "lifecycleState",
        }:
            return li_error(422, "ERROR :: /patch :: only commentary and a few fields may change")
        if "commentary" in patch:
            if utf16_len(patch["commentary"]) > COMMENTARY_LIMIT:
                return li_error(422, "ERROR :: /commentary :: too long")
            post["commentary"] = patch["commentary"]
            post["visible"] = visible_text(patch["commentary"])
        return Response(204)

    def delete_post(self, request: RecordedRequest, urn: str) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        decoded = self._encoded_urn(request, urn)
        if isinstance(decoded, Response):
            return decoded
        if decoded in self.deleted:
            return Response(204)  # platforms.md 4: idempotent
        post = self.posts.get(decoded)
        if post is None:
            return li_error(404, f"Post {decoded} not found", "NOT_FOUND")
        if not self._may_act_as(member, post["author"]):
            return self._denied()
        del self.posts[decoded]
        self.deleted.add(decoded)
        return Response(204)

    # -- lookups -----------------------------------------------------------------------------

    def userinfo(self, request: RecordedRequest) -> Any:
        member = self._member(request, rest=False)
        if isinstance(member, Response):
            return member
        return {"sub": member.id, "name": member.name, "locale": {"country": "DE"}}

    def organization(self, request: RecordedRequest, org_id: str) -> Any:
        member = self._member(request)
        if isinstance(member, Response):
            return member
        name = self.organizations.get(org_id)
        if name is None:
            return li_error(404, f"Organization {org_id} not found", "NOT_FOUND")
        return {"id": int(org_id), "localizedName": name, "vanityName": "muster"}
