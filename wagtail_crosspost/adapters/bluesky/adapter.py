"""Bluesky, and any AT Protocol PDS that hosts ``app.bsky.feed.post`` records.

Options: ``service`` (the PDS base URL, default ``https://bsky.social``), ``handle`` (or the
account's DID or e-mail), ``language`` (fallback for ``langs``), ``prefer_link_card`` (show the
page as a link card with its image as the thumbnail instead of an image post) and
``image_max_bytes`` (default 1,000,000, the safe floor for every PDS). Credentials:
``app_password`` (Settings → Privacy and security → App passwords).

Sessions are reused, never one login per post: see ``session``. The images or link card
of a post are built in ``embed``; facets and record keys in ``atproto``; the options and the app
password are read in ``connect``.

Never twice: the record key is a TID *derived* from ``Post.idempotency_key`` (not from the clock)
and the record is written with ``putRecord`` + ``swapRecord: null``, which only creates a record
that does not exist yet. A retry after a lost answer either finds the identical record (the PDS
answers with it) or a different one (``InvalidSwap``: the first attempt got through, perhaps with
another ``createdAt``); both return the receipt of the record that is already there.

``createdAt`` is deliberately *not* fixed per key: feeds sort a post by the earlier of its
``createdAt`` and the moment it was indexed, so a derived or remembered-from-the-first-attempt
date would bury a post that went out on a later retry. It is the moment of the attempt that
writes the record; the record key alone guarantees that only one attempt can.

Threads (reply chains, options ``long_text`` and ``thread_max_parts``): each reply is a post
whose ``reply`` holds strong refs (uri + cid) to the first post (``root``) and the one before
(``parent``), with its own facets and a record key derived from the post's key and the part's
number. A retry writes the same keys, finds what is there (``InvalidSwap``) and goes on where the
thread stopped, so a reply that fails for a passing reason is simply retried, however late.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    THREAD_OPTION_FIELDS,
    Adapter,
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    Media,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
    truthy,
)
from ..http import HTTPClient, json_object
from ..replies import delete_thread, publish_replies
from .atproto import (
    TID_RE,
    build_facets,
    derive_tid,
    error_name,
    new_tid,
    xrpc_error_text,
)
from .connect import (
    FORM_FIELDS,
    check_service,
    clean_options,
    image_max_bytes,
    normalise_handle,
    normalise_service,
)
from .embed import build_embed
from .metrics import BlueskyMetrics
from .record import (
    POST_COLLECTION,
    RULES,
    WEB_URL,
    check_post,
    explain,
    iso_moment,
    langs,
    strong_ref,
)

logger = logging.getLogger(__name__)


# -- the adapter ---------------------------------------------------------------------------------


class BlueskyAdapter(BlueskyMetrics, Adapter):
    key = "bluesky"
    label = gettext_lazy("Bluesky")
    rules = RULES
    supports = frozenset({"delete", "alt_text", "thread"})  # the app ignores edits (platforms.md)
    idempotent = True  # derived record key + swapRecord: null
    credential_fields = ("app_password",)
    option_fields = (
        "service",
        "handle",
        "language",
        "prefer_link_card",
        "image_max_bytes",
        *THREAD_OPTION_FIELDS,
    )
    form_fields: ClassVar[dict[str, Any]] = FORM_FIELDS
    normalise_service = staticmethod(normalise_service)
    normalise_handle = staticmethod(normalise_handle)
    clean_options = staticmethod(clean_options)

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.app_password = str(self.credentials.get("app_password") or "")
        self.http = HTTPClient(str(self.label), error_text=xrpc_error_text)
        if self.app_password:
            self.http.secrets.append(self.app_password)
        #: Called with ``{did, handle, accessJwt, refreshJwt}`` whenever the tokens change.
        self.session_changed: Callable[[dict[str, str]], None] | None = None
        #: Replaceable in tests: the moment written into ``createdAt``.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._session: dict[str, str] | None = None
        self._checked_service: str | None = None

    # -- options -----------------------------------------------------------------------------

    @property
    def service(self) -> str:
        service = self.normalise_service(self.options.get("service"))
        if self._checked_service != service:
            check_service(service)
            self._checked_service = service
        return service

    @property
    def handle(self) -> str:
        handle = self.normalise_handle(self.options.get("handle"))
        if not handle:
            raise ConfigurationError(
                _("The channel “%(name)s” has no Bluesky handle.") % {"name": self.channel.name}
            )
        return handle

    def rules_for_channel(self) -> PlatformRules:
        max_bytes = image_max_bytes(self.options.get("image_max_bytes"))
        if max_bytes == self.rules.image.max_bytes:
            return self.rules
        return dataclasses.replace(
            self.rules, image=dataclasses.replace(self.rules.image, max_bytes=max_bytes)
        )

    def cached_rules(self) -> PlatformRules:
        return self.rules_for_channel()  # options only, never a network call

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        rules = self.rules_for_channel()
        check_post(
            post, rules, image_post=self._image_post(post)
        )  # nothing is uploaded for a post that cannot go out
        key = post.idempotency_key
        record = self._record(post.text, post)
        embed = build_embed(post, rules, image_post=self._image_post(post), upload=self._upload)
        if embed:
            record["embed"] = embed
        root = self._write(derive_tid(key) if key else new_tid(), record, idempotent=bool(key))
        if not post.thread:
            return root
        root_ref = strong_ref(root)

        def reply(number: int, text: str, parent: Receipt) -> Receipt:
            record = self._record(text, post)
            record["reply"] = {"root": root_ref, "parent": strong_ref(parent)}
            rkey = derive_tid(f"{key}#part-{number}") if key else new_tid()
            return self._write(rkey, record, idempotent=bool(key))

        def can_retry(error: AdapterError) -> bool:
            # The same record keys on the retry: what is out is found, never written twice.
            return bool(key) and isinstance(error, TransientError | AmbiguousError | AuthError)

        return publish_replies(post, root, reply, can_retry=can_retry)

    def delete(self, receipt: Receipt) -> None:
        delete_thread(receipt, self._delete_record)

    def _delete_record(self, remote_id: str) -> None:
        repo, collection, rkey = self._parse_remote_id(remote_id)
        body = {"repo": repo, "collection": collection, "rkey": rkey}
        try:
            self._xrpc("POST", "com.atproto.repo.deleteRecord", json=body, idempotent=True)
        except PermanentError as error:
            if error_name(error) != "RecordNotFound":  # already gone is what we wanted
                raise

    def _record(self, text: str, post: Post) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST_COLLECTION, "text": text}
        facets = build_facets(text)  # byte offsets into this text, so each reply has its own
        if facets:
            record["facets"] = facets
        tags = langs(post.language or self.options.get("language") or "")
        if tags:
            record["langs"] = tags
        return record

    def _write(self, rkey: str, record: dict[str, Any], *, idempotent: bool) -> Receipt:
        # The real moment of sending (feeds sort by it); retries need no fixed value, see above.
        record = {**record, "createdAt": iso_moment(self.now())}
        body = {
            "repo": self._ensure_session()["did"],
            "collection": POST_COLLECTION,
            "rkey": rkey,
            "record": record,
            "swapRecord": None,  # create only if absent
        }
        try:
            response = self._xrpc(
                "POST", "com.atproto.repo.putRecord", json=body, idempotent=idempotent
            )
        except PermanentError as error:
            if error_name(error) == "InvalidSwap":  # an earlier attempt got through
                return self._existing(rkey, error)
            raise explain(error) from None
        return self._receipt(json_object(response), rkey)

    def check(self) -> Health:
        try:
            response = self._xrpc("GET", "com.atproto.server.getSession")
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        handle = json_object(response).get("handle") or self.handle
        return Health(ok=True, detail=f"@{handle}")

    # -- building the post -------------------------------------------------------------------

    def _image_post(self, post: Post) -> bool:
        card = truthy(self.options.get("prefer_link_card"), False)
        return bool(post.media) and not (card and post.link)

    def _upload(self, media: Media) -> dict[str, Any]:
        # Blobs are content-addressed: a repeated upload gives the same ref, and an unused one
        # is garbage-collected by the PDS.
        response = self._xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            data=media.content,
            headers={"Content-Type": media.mime_type or "application/octet-stream"},
            idempotent=True,
        )
        blob = json_object(response).get("blob")
        if not isinstance(blob, dict):
            raise PermanentError(_("Bluesky accepted the image but returned no blob."))
        return blob

    def _existing(self, rkey: str, swap_error: AdapterError) -> Receipt:
        did = self._ensure_session()["did"]
        params = {"repo": did, "collection": POST_COLLECTION, "rkey": rkey}
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord", params=params)
        except PermanentError as error:
            if error_name(error) != "RecordNotFound":
                raise
            raise TransientError(
                _("Bluesky reported the post as present, then could not find it. Trying again."),
                raw=swap_error.raw,
            ) from None
        found = json_object(response)
        receipt = self._receipt(found, rkey)
        return dataclasses.replace(receipt, raw={**receipt.raw, "already_posted": True})

    def _receipt(self, answer: dict[str, Any], rkey: str) -> Receipt:
        uri = str(answer.get("uri") or "")
        if not uri:
            raise PermanentError(_("Bluesky answered without the address of the post."))
        handle = (self._session or {}).get("handle") or self.handle
        raw: dict[str, Any] = {
            k: answer[k] for k in ("uri", "cid", "validationStatus") if k in answer
        }
        return Receipt(
            remote_id=uri,
            url=f"{WEB_URL}/profile/{quote(handle, safe='')}/post/{rkey}",
            raw=raw,
        )

    def _parse_remote_id(self, remote_id: str) -> tuple[str, str, str]:
        if remote_id.startswith("at://"):
            parts = remote_id[len("at://") :].split("/")
            if len(parts) == 3 and all(parts):
                return parts[0], parts[1], parts[2]
        elif TID_RE.match(remote_id):
            return self._ensure_session()["did"], POST_COLLECTION, remote_id
        raise PermanentError(
            _("“%(id)s” is not the address of a Bluesky post.") % {"id": remote_id}
        )
