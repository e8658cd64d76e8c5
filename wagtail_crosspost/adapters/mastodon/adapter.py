"""Mastodon (and servers that speak its client API: GoToSocial, Pleroma/Akkoma, snac, Hollo …).

Options: ``server_url`` (the instance's https base URL), ``visibility`` (public, unlisted,
private or direct; default public), ``language``. Credentials: ``access_token`` (scopes
``write:statuses`` and ``write:media``; Mastodon tokens do not expire).

Statuses are created with an ``Idempotency-Key``, so a retry after a lost answer cannot post
twice: the server returns the status it already made for that key.

Threads (reply chains, options ``long_text`` and ``thread_max_parts``): each reply is a status
``in_reply_to_id`` the one before, with its own key (the post's key + the part's number). A
reply that fails for a passing reason is sent once more at once, with the same key (the server
still knows it seconds later), if the server asks for at most ``REPLY_RETRY_MAX_WAIT`` seconds.
Otherwise the receipt says the thread is incomplete: the outbox never retries the whole thread,
because its retry may come after the server has forgotten the first post's key (about an hour:
long backoffs, a paused channel, a reconnect, an editor's Retry) and would post it again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
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
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
)
from ..http import HTTPClient, check_public_url, json_object, trim
from ..replies import delete_thread, edited_root_only, publish_replies
from .errors import mastodon_error_text, says_still_processing, says_token_refused
from .media import upload
from .options import FORM_FIELDS, clean_options, clean_visibility, normalise_server_url
from .rules import cached_server_rules, rules_from_instance, server_rules

# A failed reply is sent again at once (same key) if the server asks to wait at most this long.
REPLY_RETRY_MAX_WAIT = 5.0


class MastodonAdapter(Adapter):
    key = "mastodon"
    label = gettext_lazy("Mastodon")
    rules = rules_from_instance(None)
    supports = frozenset({"update", "delete", "alt_text", "thread"})
    idempotent = True
    idempotency_window = 3600  # "kept 1 hour" (platforms.md, Mastodon statuses API)
    credential_fields = ("access_token",)
    option_fields = ("server_url", "visibility", "language", *THREAD_OPTION_FIELDS)
    form_fields: ClassVar[dict[str, Any]] = FORM_FIELDS

    #: How often to ask whether an uploaded image is processed, and the waits in between.
    media_poll_delays: ClassVar[tuple[float, ...]] = (0.5, 1, 1, 2, 2, 3, 3, 5, 5, 5)
    #: Replaceable in tests (``adapter.sleep = lambda seconds: None``).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.access_token = str(self.credentials.get("access_token") or "")
        self.http = HTTPClient(
            str(self.label),
            error_text=mastodon_error_text,
            secrets=[self.access_token],
        )
        if self.access_token:
            self.http.session.headers["Authorization"] = f"Bearer {self.access_token}"
        self._checked_server: str | None = None

    # -- options -----------------------------------------------------------------------------

    normalise_server_url = staticmethod(normalise_server_url)
    clean_options = staticmethod(clean_options)

    @property
    def server_url(self) -> str:
        """The server's base URL, checked (once per adapter) to be a public http(s) address."""
        server = self.normalise_server_url(self.options.get("server_url"))
        if not server:
            raise ConfigurationError(
                _("The channel “%(name)s” has no Mastodon server address.")
                % {"name": self.channel.name}
            )
        if self._checked_server != server:
            check_public_url(server)
            self._checked_server = server
        return server

    @property
    def visibility(self) -> str:
        return clean_visibility(self.options.get("visibility"))

    def _url(self, path: str) -> str:
        return self.server_url + path

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any):
        if not self.access_token:
            raise AuthError(
                _("The channel “%(name)s” has no access token. Reconnect it.")
                % {"name": self.channel.name}
            )
        try:
            return self.http.request(method, self._url(path), **kwargs)
        except PermanentError as error:
            if says_token_refused(error):
                raise AuthError(
                    _(
                        "Mastodon refused the channel's access token (%(detail)s). "
                        "Reconnect the channel in Settings → Social channels."
                    )
                    % {"detail": mastodon_error_text(error.raw.get("body"))},
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            if says_still_processing(error):
                raise TransientError(
                    _("Mastodon is still processing an image. It will be tried again."),
                    retry_after=30,
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            raise

    # -- limits ------------------------------------------------------------------------------

    def _server_or_none(self) -> str | None:
        try:
            return self.server_url
        except ConfigurationError:
            return None

    def cached_rules(self) -> PlatformRules:
        """The server's limits if they were read before; the defaults otherwise (no request)."""
        return cached_server_rules(self._server_or_none(), self.rules)

    def rules_for_channel(self) -> PlatformRules:
        """The server's own limits from ``/api/v2/instance`` (v1 on older servers), cached."""
        server = self._server_or_none()
        return self.rules if server is None else server_rules(self.http, server, self.rules)

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        visibility = self.visibility  # a bad option fails before anything is uploaded
        media_ids = [upload(self, media) for media in post.media]
        data = self._status_fields(post, media_ids)
        data["visibility"] = visibility
        root = self._receipt(self._create_status(data, post.idempotency_key))
        if not post.thread:
            return root

        def reply(number: int, text: str, parent: Receipt) -> Receipt:
            fields = self._status_fields(dataclasses.replace(post, text=text), [])
            fields.update(visibility=visibility, in_reply_to_id=parent.remote_id)
            key = f"{post.idempotency_key}-part-{number}" if post.idempotency_key else ""
            try:
                return self._receipt(self._create_status(fields, key))
            except (TransientError, AmbiguousError) as error:
                wait = error.retry_after if isinstance(error, TransientError) else None
                if not key or (wait or 0) > REPLY_RETRY_MAX_WAIT:
                    raise
                self.sleep(min(wait or 1.0, REPLY_RETRY_MAX_WAIT))
                return self._receipt(self._create_status(fields, key))  # the same key

        # Never back to the outbox: its retry would re-send the first post (see the docstring).
        return publish_replies(post, root, reply, can_retry=lambda error: False)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        # A thread: the first post is edited; its replies stay as they are (edited_root_only).
        media_ids = [upload(self, media) for media in post.media]
        response = self._request(
            "PUT",
            f"/api/v1/statuses/{quote(receipt.remote_id, safe='')}",
            data=self._status_fields(post, media_ids),
            idempotent=True,
        )
        return edited_root_only(receipt, self._receipt(response), post, self.key)

    def delete(self, receipt: Receipt) -> None:
        delete_thread(receipt, self._delete_status)

    def _delete_status(self, status_id: str) -> None:
        try:
            self._request("DELETE", f"/api/v1/statuses/{quote(status_id, safe='')}")
        except PermanentError as error:
            if error.status_code != 404:  # already gone is what we wanted
                raise

    def _create_status(self, data: dict[str, Any], key: str) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        return self._request(
            "POST",
            "/api/v1/statuses",
            data=data,
            headers=headers,
            # With the key, the server answers a repeat with the status it already made.
            idempotent=bool(key),
        )

    def check(self) -> Health:
        try:
            response = self._request("GET", "/api/v1/accounts/verify_credentials")
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        account = json_object(response)
        username = account.get("acct") or account.get("username") or ""
        host = self.server_url.split("://", 1)[1].split("/", 1)[0]
        if "@" not in username:
            username = f"{username}@{host}"
        return Health(ok=True, detail=f"@{username}")

    # -- helpers -----------------------------------------------------------------------------

    def _status_fields(self, post: Post, media_ids: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"status": post.text}
        if media_ids:
            data["media_ids[]"] = media_ids
        language = _language_code(post.language or self.options.get("language") or "")
        if language:
            data["language"] = language
        return data

    def _receipt(self, response: Any) -> Receipt:
        status = json_object(response)
        remote_id = str(status.get("id") or "")
        if not remote_id:  # it said yes: the post may exist
            raise AmbiguousError(
                _("Mastodon answered without the id of the post."), raw=trim(status)
            )
        keep = ("id", "url", "uri", "created_at", "edited_at", "visibility", "language")
        raw: dict[str, Any] = {k: status[k] for k in keep if k in status}
        raw["media_attachments"] = [
            {k: m.get(k) for k in ("id", "type", "url", "description")}
            for m in status.get("media_attachments") or []
            if isinstance(m, dict)
        ]
        return Receipt(
            remote_id=remote_id,
            url=str(status.get("url") or status.get("uri") or ""),
            raw=raw,
        )


def _language_code(language: str) -> str:
    """Mastodon takes ISO 639 codes; a page locale such as ``de-CH`` becomes ``de``."""
    language = language.strip().replace("_", "-")
    if not language:
        return ""
    return language.split("-")[0].lower()
