"""Mastodon (and servers that speak its client API: GoToSocial, Pleroma/Akkoma, snac, Hollo …).

Options: ``server_url`` (the instance's https base URL), ``visibility`` (public, unlisted,
private or direct; default public), ``language``. Credentials: ``access_token`` (scopes
``write:statuses`` and ``write:media``; Mastodon tokens do not expire).

Statuses are created with an ``Idempotency-Key``. Mastodon, Pleroma/Akkoma and Iceshrimp.NET
return the status they already made for a repeated key; GoToSocial, Sharkey and snac ignore it
(``software.py``). On those, and on a server whose software is unknown, a lost answer is never
repeated blindly: the account's latest statuses are looked through first (``reconcile.py``).

Threads: ``thread.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import (
    THREAD_OPTION_FIELDS,
    Adapter,
    AdapterError,
    AuthError,
    ConfigurationError,
    Health,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
    TransientError,
)
from ..http import HTTPClient, json_object, not_found, unless_gone
from ..replies import delete_thread, edited_root_only
from .errors import mastodon_error_text, says_still_processing, says_token_refused
from .media import upload
from .metrics import MastodonMetrics
from .options import (
    FORM_FIELDS,
    check_server_url,
    clean_options,
    clean_visibility,
    normalise_server_url,
)
from .reconcile import Looker
from .rules import (
    cached_state,
    rules_from_instance,
    rules_from_state,
    server_state,
    state_info,
    stored_option,
)
from .software import ServerInfo, summary
from .statuses import (
    receipt_from,
    receipt_of_status,
    status_fields,
    too_long,
)
from .thread import send_replies


class MastodonAdapter(MastodonMetrics, Adapter):
    key = "mastodon"
    label = gettext_lazy("Mastodon")
    rules = rules_from_instance(None)
    supports = frozenset({"update", "delete", "alt_text", "thread"})
    #: Mastodon itself honours the key; a channel's server may not (``repeat_is_safe``).
    idempotent = True
    idempotency_window = 3600  # "kept 1 hour" (platforms.md, Mastodon statuses API)
    can_reconcile = True
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
        #: The server's software as the channel stored it; refreshed with the limits.
        self.info = ServerInfo.from_option(self.options.get("server_software"))
        self.http = HTTPClient(
            self.software_label,
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
        """The server's base URL, checked (once per adapter) to be a public https address."""
        server = normalise_server_url(self.options.get("server_url"))
        if not server:
            raise ConfigurationError(
                _("The channel “%(name)s” has no Mastodon server address.")
                % {"name": self.channel.name}
            )
        if self._checked_server != server:
            check_server_url(server)
            self._checked_server = server
        return server

    @classmethod
    def describe_server(cls, options: dict[str, Any]) -> str:
        return summary(options) if options.get("server_software") else ""

    @property
    def visibility(self) -> str:
        return clean_visibility(self.options.get("visibility"))

    @property
    def _language(self) -> str:
        return str(self.options.get("language") or "")

    @property
    def software_label(self) -> str:
        """The server's software for messages ("GoToSocial refused …"); Mastodon if unknown."""
        return self.info.label or str(self.label)

    # -- HTTP --------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any):
        if not self.access_token:
            raise AuthError(
                _("The channel “%(name)s” has no access token. Reconnect it.")
                % {"name": self.channel.name}
            )
        params = {"software": self.software_label}
        try:
            return self.http.request(method, self.server_url + path, **kwargs)
        except PermanentError as error:
            if says_token_refused(error):
                raise AuthError(
                    _(
                        "%(software)s refused the channel's access token (%(detail)s). "
                        "Reconnect the channel in Settings → Social channels."
                    )
                    % {**params, "detail": mastodon_error_text(error.raw.get("body"))},
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            if says_still_processing(error):
                raise TransientError(
                    _("%(software)s is still processing an image. It will be tried again.")
                    % params,
                    retry_after=30,
                    raw=error.raw,
                    status_code=error.status_code,
                ) from None
            raise

    # -- the server: limits and software -----------------------------------------------------
    def _server_or_none(self) -> str | None:
        try:
            return self.server_url
        except ConfigurationError:
            return None

    def cached_rules(self) -> PlatformRules:
        """The server's limits and counting if read before; what the channel stored, else the
        strictest rule (no request)."""
        server = self._server_or_none()
        state = cached_state(server) if server else None
        return rules_from_state(state, self.options.get("server_software"))

    def rules_for_channel(self) -> PlatformRules:
        """The server's own limits (``/api/v2/instance``, v1 on older servers) counted the way its
        software counts (``/.well-known/nodeinfo``), cached; stored on the channel."""
        server = self._server_or_none()
        if server is None:
            return rules_from_state(None)
        state = server_state(self.http, server)
        self._learn(state)
        return rules_from_state(state)

    def _learn(self, state: dict[str, Any]) -> None:
        self.info = state_info(state)
        self.http.platform = self.software_label
        option = stored_option(state)
        if self.options.get("server_software") != option:
            self.options["server_software"] = option
            self.channel.callbacks.save_options({"server_software": option})

    def repeat_is_safe(self) -> bool:
        """True when this channel's server honours ``Idempotency-Key`` (unknown: False)."""
        if not self.info.name:  # read by a limits refresh of another adapter? (no request)
            server = self._server_or_none()
            state = cached_state(server) if server else None
            if state is not None:
                self.info = state_info(state)
        return bool(self.info.name) and self.info.software.honours_key

    def key_window(self) -> float | None:
        return self.info.software.key_window if self.repeat_is_safe() else None

    # -- publishing --------------------------------------------------------------------------

    def publish(self, post: Post) -> Receipt:
        visibility = self.visibility  # a bad option fails before anything is uploaded
        media_ids = [upload(self, media) for media in post.media]
        data = status_fields(post, media_ids, self._language)
        data["visibility"] = visibility
        root = self._create_status(data, post.idempotency_key)
        return self._replies(post, root, None) if post.thread else root

    def reconcile(self, post: Post, since: datetime) -> Receipt | None:
        """After a lost answer: the status made for ``post`` (its thread completed), None when
        certainly none was made; AmbiguousError (what to look at) when that cannot be told."""
        self.rules_for_channel()
        looker = Looker(self, since, self.software_label)
        found = looker.find(post.text)
        if found is None:
            return None
        root = receipt_of_status(found)
        return self._replies(post, root, looker) if post.thread else root

    def _replies(self, post: Post, root: Receipt, looker: Looker | None) -> Receipt:
        return send_replies(self, post, root, looker)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        # A thread: the first post is edited; its replies stay as they are (edited_root_only).
        media_ids = [upload(self, media) for media in post.media]
        response = self._request(
            "PUT",
            f"/api/v1/statuses/{quote(receipt.remote_id, safe='')}",
            data=status_fields(post, media_ids, self._language),
            idempotent=True,
        )
        new = receipt_from(response, self.software_label)
        return edited_root_only(receipt, new, post, self.key)

    def delete(self, receipt: Receipt) -> None:
        delete_thread(receipt, self._delete_status)

    def _delete_status(self, status_id: str) -> None:
        # a 404: already gone, which is what a delete wants
        unless_gone(
            lambda: self._request("DELETE", f"/api/v1/statuses/{quote(status_id, safe='')}"),
            not_found,
        )

    def _create_status(self, data: dict[str, Any], key: str) -> Receipt:
        headers = {"Idempotency-Key": key} if key else {}
        try:
            response = self._request(
                "POST",
                "/api/v1/statuses",
                data=data,
                headers=headers,
                # With the key, a server that honours it answers a repeat with the status made.
                idempotent=bool(key) and self.repeat_is_safe(),
                expiring_key=True,
            )
        except PermanentError as error:
            too_long(error, str(data.get("status") or ""), self.cached_rules(), self.software_label)
            raise
        return receipt_from(response, self.software_label)

    def check(self) -> Health:
        try:
            response = self._request("GET", "/api/v1/accounts/verify_credentials")
            self.rules_for_channel()
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        account = json_object(response)
        username = account.get("acct") or account.get("username") or ""
        host = self.server_url.split("://", 1)[1].split("/", 1)[0]
        if "@" not in username:
            username = f"{username}@{host}"
        return Health(ok=True, detail=f"@{username} · {summary(self.options)}")
