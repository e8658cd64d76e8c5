"""Strict fakes of Meta's APIs: the Graph API (Facebook Page + Instagram) and the Threads API.

They enforce the documented contract as summarised in shared/reference/platforms.md §5–§7: the
``access_token`` parameter (missing or unknown → Meta's error body with code 190), required
parameters, Meta-style error bodies, captions (2200 characters, 30 hashtags), Threads text (500
characters, at most 5 links), publishing quotas, and container status moving IN_PROGRESS →
FINISHED after ``container_polls`` polls. Instagram and Threads really fetch ``image_url`` with
``requests`` (serve it from an :class:`ImageHost`) and check format, size and aspect ratio; widths
outside 320–1440 px are scaled into range, as Meta documents, and the scaled width is recorded.

Everything created is kept (``posts``, ``photos``, ``containers``, ``media``, ``threads``) so tests
assert exactly what exists. Anything unrouted answers 404 and fails the test (strict server).
Never point ``image_url`` at the fake itself: handlers run under the server's lock.
"""

from __future__ import annotations

import io
import itertools
import re
from typing import Any

import requests
from PIL import Image

from wagtail_crosspost.testing.fakeserver import FakeServer, MediaHost, RecordedRequest, Response

VERSION = r"/(?P<version>v\d+\.\d+)"
NODE = r"(?P<node>[^/]+)"
HASHTAG_RE = re.compile(r"(?<![\w&#])#\w*[^\W\d]\w*")
LINK_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)

GRAPH_VERSIONS = frozenset({"v23.0", "v24.0", "v25.0", "v26.0"})


def meta_error(
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    type: str = "OAuthException",
    status: int = 400,
    user_msg: str = "",
    is_transient: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """A Graph API error answer: ``{"error": {"message", "type", "code", …, "fbtrace_id"}}``."""
    error: dict[str, Any] = {"message": message, "type": type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_msg:
        error["error_user_msg"] = user_msg
    error["is_transient"] = is_transient
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOp"
    return Response.json({"error": error}, status, headers)


def missing_param(name: str) -> Response:
    return meta_error(f"(#100) The parameter {name} is required", 100)


def no_such_object(node: str, operation: str = "get") -> Response:
    return meta_error(
        f"Unsupported {operation} request. Object with ID '{node}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        100,
        subcode=33,
        type="GraphMethodException",
    )


def jpeg(width: int = 1080, height: int = 1080, *, padding: int = 0, fmt: str = "JPEG") -> bytes:
    """A real image of that size (``padding`` trailing bytes make it larger on the wire)."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 90, 40)).save(buffer, fmt)
    return buffer.getvalue() + b"\0" * padding


class ImageHost(MediaHost):
    """A tiny web server for the images Meta fetches: ``host.add("a.jpg", data)`` → its URL.

    The kit's :class:`~wagtail_crosspost.testing.MediaHost`, under the name these tests know.
    """


class _MetaFake(FakeServer):
    """Token checks, versions, image fetching and id allocation shared by both fakes."""

    versions: frozenset[str] = GRAPH_VERSIONS
    platform_name = "Graph API"

    def __init__(self, *, auth_error_status: int = 400, container_polls: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.auth_error_status = auth_error_status
        self.container_polls = container_polls
        #: "FINISHED", or "ERROR"/"EXPIRED" with ``container_error`` as the reason.
        self.container_outcome = "FINISHED"
        self.container_error = ""
        self.tokens: dict[str, str] = {}  # token -> account id it acts for
        self.expired_tokens: set[str] = set()
        self._ids = itertools.count(17_900_000_000_000_001)

    def next_id(self) -> str:
        return str(next(self._ids))

    # -- auth --------------------------------------------------------------------------------

    def token_of(self, request: RecordedRequest) -> str:
        return request.value("access_token") or ""

    def auth(self, request: RecordedRequest, version: str | None = None) -> str | Response:
        """The account id the request's token acts for, or Meta's error answer."""
        if version is not None and version not in self.versions:
            return meta_error(f"Unknown path components: /{version}", 2500)
        token = self.token_of(request)
        if not token:
            return meta_error(
                "An active access token must be used to query information about the current user.",
                2500,
                status=self.auth_error_status,
            )
        if token in self.expired_tokens:
            return meta_error(
                "Error validating access token: Session has expired on Friday, 01-Aug-25 "
                "10:00:00 PDT. The current time is Monday, 01-Sep-25 10:00:00 PDT.",
                190,
                subcode=463,
                status=self.auth_error_status,
            )
        account = self.tokens.get(token)
        if account is None:
            return meta_error(
                "Invalid OAuth access token - Cannot parse access token",
                190,
                status=self.auth_error_status,
            )
        return account

    # -- images ------------------------------------------------------------------------------

    def fetch_image(
        self,
        url: str,
        *,
        formats: tuple[str, ...],
        max_bytes: int,
        min_aspect: float,
        max_aspect: float,
        errors: dict[str, tuple[str, int, int | None]],
    ) -> dict[str, Any] | Response:
        """Download ``url`` as Meta does and check it; ``errors``: check -> (message, code, sub)."""

        def fail(check: str, **params: Any) -> Response:
            message, code, subcode = errors[check]
            return meta_error(message.format(url=url, **params), code, subcode=subcode)

        if not re.match(r"https?://", url):
            return fail("fetch")
        try:
            answer = requests.get(url, timeout=5)
        except requests.RequestException:
            return fail("fetch")
        if answer.status_code != 200:
            return fail("fetch")
        content = answer.content
        if len(content) > max_bytes:
            return fail("size")
        try:
            image = Image.open(io.BytesIO(content))
            image_format, (width, height) = image.format, image.size
        except Exception:
            return fail("format")
        if image_format not in formats:
            return fail("format")
        aspect = width / height
        if not (min_aspect - 0.005 <= aspect <= max_aspect + 0.005):
            return fail("aspect", ratio=f"{aspect:.2f}")
        # Meta scales a width outside 320–1440 px into that range (platforms.md §6/§7).
        scale = min(max(width, 320), 1440) / width
        return {
            "url": url,
            "content": content,
            "format": image_format,
            "width": width,
            "height": height,
            "published_width": round(width * scale),
            "published_height": round(height * scale),
        }

    # -- containers --------------------------------------------------------------------------

    def new_container(self, owner: str, **fields: Any) -> dict[str, Any]:
        container = {
            "id": self.next_id(),
            "owner": owner,
            "status": "IN_PROGRESS" if self.container_polls > 0 else self.container_outcome,
            "polls_left": self.container_polls,
            **fields,
        }
        self.containers[container["id"]] = container
        return container

    def poll(self, container: dict[str, Any]) -> str:
        if container["status"] == "IN_PROGRESS":
            container["polls_left"] -= 1
            if container["polls_left"] <= 0:
                container["status"] = self.container_outcome
        return str(container["status"])

    containers: dict[str, dict[str, Any]]


class FakeGraph(_MetaFake):
    """graph.facebook.com for one Facebook Page and one Instagram professional account."""

    def __init__(
        self,
        *,
        page_id: str = "104857600123456",
        page_token: str = "EAAPageToken-s3cret-0001",
        page_name: str = "Acme Machines",
        ig_user_id: str = "17841400000000001",
        ig_token: str = "EAAInstaToken-s3cret-0002",
        ig_username: str = "acme.machines",
        quota_total: int = 50,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.page_id, self.page_name = page_id, page_name
        self.ig_user_id, self.ig_username = ig_user_id, ig_username
        self.tokens = {page_token: page_id, ig_token: ig_user_id}
        self.posts: dict[str, dict[str, Any]] = {}  # Page posts by "<page>_<post>" id
        self.photos: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}  # published Instagram media
        self.quota_usage = 0
        self.quota_total = quota_total
        self.quota_duration = 86_400
        self.max_message = 63_206  # platforms.md §5 (integrators)
        self.max_caption = 2200  # platforms.md §6
        self.max_hashtags = 30
        self.max_image_bytes = 8 * 1024 * 1024  # platforms.md §6 "≤ 8 MB"
        self._post_ids = itertools.count(900_000_000_000_001)
        self._routes_graph()

    def _routes_graph(self) -> None:
        self.add_route("POST", VERSION + "/" + NODE + "/feed", self.page_feed)
        self.add_route("POST", VERSION + "/" + NODE + "/photos", self.page_photos)
        self.add_route("POST", VERSION + "/" + NODE + "/media", self.ig_media)
        self.add_route("POST", VERSION + "/" + NODE + "/media_publish", self.ig_media_publish)
        self.add_route(
            "GET", VERSION + "/" + NODE + "/content_publishing_limit", self.ig_publishing_limit
        )
        self.add_route("GET", VERSION + "/" + NODE, self.get_node)
        self.add_route("POST", VERSION + "/" + NODE, self.update_node)
        self.add_route("DELETE", VERSION + "/" + NODE, self.delete_node)

    # -- Facebook Page -----------------------------------------------------------------------

    def _page(self, request: RecordedRequest, version: str, node: str) -> str | Response:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if node != self.page_id or account != self.page_id:
            return no_such_object(node, "post")
        return account

    def _new_post(self, **fields: Any) -> dict[str, Any]:
        post_id = f"{self.page_id}_{next(self._post_ids)}"
        post = {"id": post_id, **fields}
        self.posts[post_id] = post
        return post

    def page_feed(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._page(request, version, node)
        if isinstance(account, Response):
            return account
        message, link = request.value("message") or "", request.value("link") or ""
        if not message and not link:
            return meta_error(
                "(#100) Either message or link must be provided", 100, type="GraphMethodException"
            )
        if len(message) > self.max_message:
            return meta_error("(#100) The message is too long", 100)
        if link and not re.match(r"https?://\S+$", link):
            return meta_error("(#100) The link is not a valid URL", 100)
        post = self._new_post(kind="link" if link else "status", message=message, link=link)
        return {"id": post["id"]}

    def page_photos(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._page(request, version, node)
        if isinstance(account, Response):
            return account
        caption = request.value("caption") or ""
        upload = request.file("source")
        url = request.value("url") or ""
        if upload is None and not url:
            return meta_error("(#324) Requires upload file", 324)
        if upload is not None:
            content = upload.content
        else:
            try:
                answer = requests.get(url, timeout=5)
            except requests.RequestException:
                answer = None
            if answer is None or answer.status_code != 200:
                return meta_error("(#100) url should represent a valid URL", 100)
            content = answer.content
        try:
            width, height = Image.open(io.BytesIO(content)).size
        except Exception:
            return meta_error("(#324) Missing or invalid image file", 324)
        if len(caption) > self.max_message:
            return meta_error("(#100) The message is too long", 100)
        photo_id = self.next_id()
        post = self._new_post(kind="photo", message=caption, photo_id=photo_id)
        self.photos[photo_id] = {
            "id": photo_id,
            "post_id": post["id"],
            "content": content,
            "width": width,
            "height": height,
            "source": "upload" if upload is not None else "url",
        }
        return {"id": photo_id, "post_id": post["id"]}

    # -- Instagram ---------------------------------------------------------------------------

    def _ig_user(self, request: RecordedRequest, version: str, node: str) -> str | Response:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if node != self.ig_user_id or account != self.ig_user_id:
            return no_such_object(node, "post")
        return account

    def ig_media(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._ig_user(request, version, node)
        if isinstance(account, Response):
            return account
        image_url = request.value("image_url") or ""
        if not image_url:
            return missing_param("image_url")
        caption = request.value("caption") or ""
        if len(caption) > self.max_caption:
            return meta_error(
                "The caption is too long.", 100, subcode=2207010, user_msg="Caption too long"
            )
        if len(HASHTAG_RE.findall(caption)) > self.max_hashtags:
            return meta_error(f"The caption has more than {self.max_hashtags} hashtags.", 100)
        image = self.fetch_image(
            image_url,
            formats=("JPEG",),
            max_bytes=self.max_image_bytes,
            min_aspect=4 / 5,
            max_aspect=1.91,
            errors={
                "fetch": (
                    "Media download has failed. The media URI doesn't meet our requirements.",
                    9004,
                    2207052,
                ),
                "format": (
                    "Only photo or video can be accepted as media type. JPEG is the only "
                    "supported image format.",
                    9004,
                    2207005,
                ),
                "size": (
                    "The image is too large to download. It should be less than 8 MiB.",
                    36000,
                    2207004,
                ),
                "aspect": (
                    "The submitted image with aspect ratio ('{ratio}') cannot be published. "
                    "Please submit an image with a valid aspect ratio (between 4:5 to 1.91:1).",
                    36003,
                    2207009,
                ),
            },
        )
        if isinstance(image, Response):
            return image
        container = self.new_container(account, caption=caption, image=image)
        return {"id": container["id"]}

    def ig_media_publish(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._ig_user(request, version, node)
        if isinstance(account, Response):
            return account
        creation_id = request.value("creation_id") or ""
        if not creation_id:
            return missing_param("creation_id")
        container = self.containers.get(creation_id)
        if container is None or container["owner"] != account:
            return meta_error("(#100) Invalid parameter: creation_id", 100, subcode=2207006)
        if self.quota_usage >= self.quota_total:
            return meta_error(
                "Application request limit reached",
                9,
                subcode=2207042,
                user_msg="You have reached the maximum number of posts allowed in 24 hours.",
            )
        if container["status"] == "PUBLISHED":
            return meta_error("(#100) The media has already been published", 100)
        if container["status"] != "FINISHED":
            return meta_error(
                "Media ID is not available",
                9007,
                subcode=2207027,
                user_msg="The media is not ready for publishing, please wait for a moment",
            )
        container["status"] = "PUBLISHED"
        self.quota_usage += 1
        media_id = self.next_id()
        self.media[media_id] = {
            "id": media_id,
            "caption": container["caption"],
            "image": container["image"],
            "container_id": creation_id,
            "permalink": f"https://www.instagram.com/p/Fake{media_id[-6:]}/",
        }
        return {"id": media_id}

    def ig_publishing_limit(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._ig_user(request, version, node)
        if isinstance(account, Response):
            return account
        return {
            "data": [
                {
                    "quota_usage": self.quota_usage,
                    "config": {
                        "quota_total": self.quota_total,
                        "quota_duration": self.quota_duration,
                    },
                }
            ]
        }

    # -- nodes -------------------------------------------------------------------------------

    def get_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        fields = [f for f in (request.value("fields") or "").split(",") if f]
        if node == self.page_id and account == self.page_id:
            data: dict[str, Any] = {"name": self.page_name}
        elif node == self.ig_user_id and account == self.ig_user_id:
            data = {"username": self.ig_username}
        elif node in self.containers and self.containers[node]["owner"] == account:
            container = self.containers[node]
            status = self.poll(container) if "status_code" in fields else container["status"]
            reason = f"Error: {self.container_error}" if status in ("ERROR", "EXPIRED") else ""
            data = {"status_code": status, "status": reason or status.title()}
        elif node in self.media and account == self.ig_user_id:
            data = {k: v for k, v in self.media[node].items() if k in ("caption", "permalink")}
        elif node in self.posts and account == self.page_id:
            data = {"message": self.posts[node]["message"]}
        else:
            return no_such_object(node)
        unknown = [f for f in fields if f not in data]
        if unknown:
            return meta_error(
                f"(#100) Tried accessing nonexisting field ({unknown[0]}) on this node", 100
            )
        return {"id": node, **{f: data[f] for f in fields}}

    def update_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        post = self.posts.get(node)
        if post is None or account != self.page_id:
            return no_such_object(node, "post")
        message = request.value("message")
        if message is None:
            return missing_param("message")
        if len(message) > self.max_message:
            return meta_error("(#100) The message is too long", 100)
        post["message"] = message
        post["edits"] = post.get("edits", 0) + 1
        return {"success": True}

    def delete_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        post = self.posts.get(node)
        if post is None or account != self.page_id:
            # The IG Media node has no delete operation (platforms.md §6).
            return no_such_object(node, "delete")
        del self.posts[node]
        if post.get("photo_id"):
            self.photos.pop(post["photo_id"], None)
        return {"success": True}


class FakeThreads(_MetaFake):
    """graph.threads.net for one Threads account."""

    versions = frozenset({"v1.0"})
    platform_name = "Threads API"

    def __init__(
        self,
        *,
        user_id: str = "26000000000000001",
        token: str = "THAAThreadsToken-s3cret-0003",
        username: str = "acme.machines",
        quota_total: int = 250,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.user_id, self.username = user_id, username
        self.tokens = {token: user_id}
        self.containers: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}  # published posts
        self.quota_usage = 0
        self.quota_total = quota_total  # platforms.md §7: 250 posts per rolling 24 h
        self.deletions_left = 100  # platforms.md §7: 100 deletions per day
        self.max_text = 500
        self.max_links = 5
        self.max_image_bytes = 8 * 1024 * 1024
        self.refreshes: list[str] = []  # tokens handed out by refresh_access_token
        self._routes_threads()

    def _routes_threads(self) -> None:
        self.add_route("POST", VERSION + "/" + NODE + "/threads", self.create_container)
        self.add_route("POST", VERSION + "/" + NODE + "/threads_publish", self.publish)
        self.add_route(
            "GET", VERSION + "/" + NODE + "/threads_publishing_limit", self.publishing_limit
        )
        self.add_route("GET", VERSION + "/" + NODE, self.get_node)
        self.add_route("DELETE", VERSION + "/" + NODE, self.delete_node)
        self.add_route("GET", r"/refresh_access_token", self.refresh_access_token)

    def _user(self, request: RecordedRequest, version: str, node: str) -> str | Response:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if node not in ("me", self.user_id) or account != self.user_id:
            return no_such_object(node, "post")
        return account

    def create_container(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._user(request, version, node)
        if isinstance(account, Response):
            return account
        media_type = request.value("media_type") or ""
        if media_type not in ("TEXT", "IMAGE"):
            return (
                missing_param("media_type")
                if not media_type
                else meta_error(
                    f"(#100) media_type {media_type} is not supported by this fake", 100
                )
            )
        text = request.value("text") or ""
        alt_text = request.value("alt_text")
        if len(text) > self.max_text:
            return meta_error(
                f"text must be at most {self.max_text} characters", 100, type="THApiException"
            )
        links = {link.lower() for link in LINK_RE.findall(text)}
        if len(links) > self.max_links:
            return meta_error(
                "THREADS_API__LINK_LIMIT_EXCEEDED: a post can contain at most 5 links.",
                100,
                type="THApiException",
            )
        fields: dict[str, Any] = {"media_type": media_type, "text": text, "alt_text": alt_text}
        if media_type == "TEXT":
            if not text:
                return missing_param("text")
            if alt_text is not None:
                return meta_error("(#100) alt_text is only supported for IMAGE and VIDEO", 100)
            if request.value("image_url"):
                return meta_error("(#100) image_url is not supported for TEXT posts", 100)
        else:
            image_url = request.value("image_url") or ""
            if not image_url:
                return missing_param("image_url")
            image = self.fetch_image(
                image_url,
                formats=("JPEG", "PNG"),
                max_bytes=self.max_image_bytes,
                min_aspect=1 / 10,
                max_aspect=10,
                errors={
                    "fetch": ("The media could not be fetched from this URI: {url}", 100, None),
                    "format": ("The image format is not supported (JPEG or PNG).", 100, None),
                    "size": ("The image is larger than 8 MB.", 100, None),
                    "aspect": ("The image's aspect ratio ({ratio}) is not supported.", 100, None),
                },
            )
            if isinstance(image, Response):
                return image
            fields["image"] = image
        container = self.new_container(account, **fields)
        return {"id": container["id"]}

    def publish(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._user(request, version, node)
        if isinstance(account, Response):
            return account
        creation_id = request.value("creation_id") or ""
        if not creation_id:
            return missing_param("creation_id")
        container = self.containers.get(creation_id)
        if container is None or container["owner"] != account:
            return meta_error("(#100) Invalid parameter: creation_id", 100)
        if self.quota_usage >= self.quota_total:
            return meta_error("(#4) Publishing limit reached", 4, type="THApiException")
        if container["status"] != "FINISHED":
            return meta_error("The media is not ready to be published.", 24, subcode=4279009)
        container["status"] = "PUBLISHED"
        self.quota_usage += 1
        media_id = self.next_id()
        self.threads[media_id] = {
            "id": media_id,
            "media_type": container["media_type"],
            "text": container["text"],
            "alt_text": container["alt_text"],
            "image": container.get("image"),
            "permalink": f"https://www.threads.net/@{self.username}/post/Fake{media_id[-6:]}",
        }
        return {"id": media_id}

    def publishing_limit(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self._user(request, version, node)
        if isinstance(account, Response):
            return account
        return {
            "data": [
                {
                    "quota_usage": self.quota_usage,
                    "config": {"quota_total": self.quota_total, "quota_duration": 86_400},
                }
            ]
        }

    def get_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        fields = [f for f in (request.value("fields") or "").split(",") if f]
        if node in ("me", self.user_id) and account == self.user_id:
            data: dict[str, Any] = {"username": self.username}
        elif node in self.containers and self.containers[node]["owner"] == account:
            container = self.containers[node]
            status = self.poll(container) if "status" in fields else container["status"]
            data = {"status": status}
            if status in ("ERROR", "EXPIRED"):
                data["error_message"] = self.container_error
            elif "error_message" in fields:
                fields.remove("error_message")  # only present for failed containers
        elif node in self.threads and account == self.user_id:
            data = {k: v for k, v in self.threads[node].items() if k in ("text", "permalink")}
        else:
            return no_such_object(node)
        unknown = [f for f in fields if f not in data]
        if unknown:
            return meta_error(f"(#100) Tried accessing nonexisting field ({unknown[0]})", 100)
        return {"id": self.user_id if node == "me" else node, **{f: data[f] for f in fields}}

    def delete_node(self, request: RecordedRequest, version: str, node: str) -> Any:
        account = self.auth(request, version)
        if isinstance(account, Response):
            return account
        if node not in self.threads or account != self.user_id:
            return no_such_object(node, "delete")
        if self.deletions_left <= 0:
            return meta_error("(#4) Deletion limit reached", 4, type="THApiException")
        self.deletions_left -= 1
        del self.threads[node]
        return {"success": True, "deleted_id": node}

    def refresh_access_token(self, request: RecordedRequest) -> Any:
        account = self.auth(request)
        if isinstance(account, Response):
            return account
        if request.value("grant_type") != "th_refresh_token":
            return meta_error("(#100) grant_type must be th_refresh_token", 100)
        old = self.token_of(request)
        new = f"THAARefreshed-{len(self.refreshes) + 1}-s3cret"
        del self.tokens[old]  # the old token is replaced
        self.tokens[new] = account
        self.refreshes.append(new)
        return {"access_token": new, "token_type": "bearer", "expires_in": 5_183_944}
