"""Bluesky, and any AT Protocol PDS that hosts ``app.bsky.feed.post`` records.

Options: ``service`` (the PDS base URL, default ``https://bsky.social``), ``handle`` (or the
account's DID or e-mail), ``language`` (fallback for ``langs``), ``prefer_link_card`` (show the
page as a link card with its image as the thumbnail instead of an image post) and
``image_max_bytes`` (default 1,000,000, the safe floor for every PDS). Credentials:
``app_password`` (Settings → Privacy and security → App passwords).

Sessions are reused, never one login per post: see ``bluesky_session``. The images or link card
of a post are built in ``bluesky_embed``; facets and record keys in ``atproto``.

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
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wagtail_crosspost import conf
from wagtail_crosspost.compose.length import measure, measure_bytes, overruns

from .atproto import (
    TID_RE,
    build_facets,
    derive_tid,
    error_body,
    error_name,
    new_tid,
    xrpc_error_text,
)
from .base import (
    THREAD_FORM_FIELDS,
    THREAD_OPTION_FIELDS,
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
    clean_thread_options,
)
from .bluesky_embed import ALT_TEXT_LIMIT, build_embed, too_big
from .bluesky_session import XRPCSession
from .http import HTTPClient, check_public_url, json_object
from .replies import delete_thread, publish_replies

logger = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
DEFAULT_SERVICE = "https://bsky.social"
WEB_URL = "https://bsky.app"
# platforms.md "2. Bluesky": this PDS generation and older third-party PDSes refuse image blobs
# over 1,000,000 bytes (the network allows 2,000,000 since 2026-04); the card thumb stays at 1 MB.
DEFAULT_IMAGE_MAX_BYTES = 1_000_000
MAX_IMAGES = 4
MAX_LANGS = 3

RULES = PlatformRules(
    # platforms.md 2: 5000 write points per hour, a create costs 3.
    quota=(1600, 3600),
    text_limit=300,
    counting="graphemes",  # a compose.length kind; the 3000-byte limit is checked too
    byte_limit=3000,
    link_card=True,
    image=ImageRules(
        formats=("JPEG", "PNG", "WEBP"),
        max_bytes=DEFAULT_IMAGE_MAX_BYTES,
        max_images=MAX_IMAGES,
        alt_text_limit=ALT_TEXT_LIMIT,
    ),
)


# -- the adapter ---------------------------------------------------------------------------------


class BlueskyAdapter(XRPCSession, Adapter):
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
    form_fields: ClassVar[dict[str, Any]] = {
        "service": lambda: forms.CharField(
            label=gettext_lazy("Server"),
            required=False,
            initial=DEFAULT_SERVICE,
            help_text=gettext_lazy(
                "The account's PDS. Leave %(default)s unless the account lives on its own server."
            )
            % {"default": DEFAULT_SERVICE},
        ),
        "handle": lambda: forms.CharField(
            label=gettext_lazy("Handle"),
            help_text=gettext_lazy("For example example.bsky.social (or the account's DID)."),
        ),
        "app_password": lambda: forms.CharField(
            label=gettext_lazy("App password"),
            help_text=gettext_lazy(
                "Create one in Bluesky under Settings → Privacy and security → App passwords. "
                "Never use the account's main password."
            ),
        ),
        "language": lambda: forms.CharField(
            label=gettext_lazy("Language"),
            required=False,
            help_text=gettext_lazy("Used when the page has no language, e.g. en or de-CH."),
        ),
        "prefer_link_card": lambda: forms.BooleanField(
            label=gettext_lazy("Show the page as a link card (its image as the card picture)"),
            required=False,
        ),
        "image_max_bytes": lambda: forms.IntegerField(
            label=gettext_lazy("Largest image in bytes"),
            required=False,
            min_value=1,
            initial=DEFAULT_IMAGE_MAX_BYTES,
            help_text=gettext_lazy(
                "1,000,000 works on every server; bsky.social accepts 2,000,000 since April 2026."
            ),
        ),
        **THREAD_FORM_FIELDS,
    }

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

    @staticmethod
    def normalise_service(value: Any) -> str:
        url = str(value or "").strip() or DEFAULT_SERVICE
        if "://" not in url:
            url = "https://" + url
        return url.rstrip("/")

    @staticmethod
    def normalise_handle(value: Any) -> str:
        handle = str(value or "").strip()
        return handle[1:] if handle.startswith("@") else handle

    @classmethod
    def clean_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Validated, normalised options (for the channel form); raises ConfigurationError."""
        cleaned = dict(options or {})
        with about_option("service"):
            cleaned["service"] = _check_service(cls.normalise_service(cleaned.get("service")))
        cleaned["handle"] = cls.normalise_handle(cleaned.get("handle"))
        if not cleaned["handle"]:
            raise ConfigurationError(
                _("Enter the Bluesky handle, e.g. example.bsky.social."), field="handle"
            )
        with about_option("image_max_bytes"):
            cleaned["image_max_bytes"] = _image_max_bytes(cleaned.get("image_max_bytes"))
        cleaned["prefer_link_card"] = _flag(cleaned.get("prefer_link_card"))
        return clean_thread_options(cleaned)

    @property
    def service(self) -> str:
        service = self.normalise_service(self.options.get("service"))
        if self._checked_service != service:
            _check_service(service)
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
        max_bytes = _image_max_bytes(self.options.get("image_max_bytes"))
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
        self._check_post(post, rules)  # nothing is uploaded for a post that cannot go out
        key = post.idempotency_key
        record = self._record(post.text, post)
        embed = build_embed(post, rules, image_post=self._image_post(post), upload=self._upload)
        if embed:
            record["embed"] = embed
        root = self._write(derive_tid(key) if key else new_tid(), record, idempotent=bool(key))
        if not post.thread:
            return root
        root_ref = _strong_ref(root)

        def reply(number: int, text: str, parent: Receipt) -> Receipt:
            record = self._record(text, post)
            record["reply"] = {"root": root_ref, "parent": _strong_ref(parent)}
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
        langs = _langs(post.language or self.options.get("language") or "")
        if langs:
            record["langs"] = langs
        return record

    def _write(self, rkey: str, record: dict[str, Any], *, idempotent: bool) -> Receipt:
        # The real moment of sending (feeds sort by it); retries need no fixed value, see above.
        record = {**record, "createdAt": _iso(self.now())}
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
            raise _explain(error) from None
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

    def _check_post(self, post: Post, rules: PlatformRules) -> None:
        for text in post.texts:
            self._check_text(text, rules)
        if self._image_post(post) and len(post.media) > rules.image.max_images:
            raise PermanentError(
                _("Bluesky takes at most %(max)s images per post; this post has %(count)s.")
                % {"max": rules.image.max_images, "count": len(post.media)}
            )
        for media in post.media if self._image_post(post) else ():
            if len(media.content) > rules.image.max_bytes:
                raise PermanentError(too_big(media, rules.image.max_bytes))

    def _check_text(self, text: str, rules: PlatformRules) -> None:
        if overruns(text, self.key, rules=rules):
            raise PermanentError(
                _(
                    "The text is too long for Bluesky: %(graphemes)s characters and %(bytes)s "
                    "bytes, where at most %(limit)s characters and %(byte_limit)s bytes are "
                    "allowed. Shorten the message for this channel."
                )
                % {
                    "graphemes": measure(text, self.key, rules=rules),
                    "bytes": measure_bytes(text),
                    "limit": rules.text_limit,
                    "byte_limit": rules.byte_limit,
                }
            )

    def _image_post(self, post: Post) -> bool:
        return bool(post.media) and not (_flag(self.options.get("prefer_link_card")) and post.link)

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


# -- helpers -------------------------------------------------------------------------------------


_BLOB_TOO_BIG = re.compile(r"blob too big \(maximum (\d+), got (\d+)\)")


def _explain(error: PermanentError) -> PermanentError:
    """The PDS's validation messages, in a sentence an editor can act on."""
    body = error_body(error)
    message = body.get("message", "") if isinstance(body, dict) else ""
    match = _BLOB_TOO_BIG.search(message or "")
    if match:
        return PermanentError(
            _(
                "The image is %(size)s bytes, but this Bluesky server accepts at most %(max)s "
                "bytes per image. Lower the channel's image size limit (image_max_bytes) to "
                "%(max)s."
            )
            % {"size": f"{int(match[2]):,}", "max": f"{int(match[1]):,}"},
            raw=error.raw,
            status_code=error.status_code,
        )
    return error


def _check_service(url: str) -> str:
    allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    if urlsplit(url).scheme.lower() != "https" and not allow_private:
        raise ConfigurationError(
            _("The Bluesky server address “%(url)s” must start with https://.") % {"url": url}
        )
    return check_public_url(url, allow_private=allow_private)


def _image_max_bytes(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_IMAGE_MAX_BYTES
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise ConfigurationError(_("The image size limit must be a positive number of bytes."))
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


_LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


def _langs(language: str) -> list[str]:
    """BCP 47 tags for ``langs``: a Wagtail locale such as ``de_CH`` becomes ``de-CH``."""
    tags = [t.strip().replace("_", "-") for t in str(language).split(",")]
    return [t for t in tags if _LANG_RE.match(t)][:MAX_LANGS]


def _strong_ref(receipt: Receipt) -> dict[str, str]:
    """``com.atproto.repo.strongRef`` of a written post: what a reply points at."""
    cid = receipt.raw.get("cid")
    if not cid:
        raise PermanentError(_("Bluesky answered without the content id (cid) of the post."))
    return {"uri": receipt.remote_id, "cid": str(cid)}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
