"""Bluesky's XRPC calls and the account session: sign in once, reuse, refresh.

``createSession`` is limited to 30 per 5 minutes (platforms.md, "2. Bluesky"), so a session is
never made per post: the tokens live in Django's cache, are refreshed with ``refreshSession``,
and only when that fails is the app password used again. ``session_changed`` is called with the
new tokens so a caller can keep them elsewhere (encrypted); a ``session`` entry in the channel's
credentials is read too.

A mixin of ``BlueskyAdapter``, which provides ``service``, ``handle``, ``app_password``, ``http``
and ``channel``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AuthError, PermanentError
from ..http import HTTPClient, json_object
from .atproto import (
    error_body,
    error_name,
    expires_within,
    token_refused,
    valid_session,
    xrpc_error_text,
)

logger = logging.getLogger("wagtail_crosspost.adapters.bluesky")

SESSION_CACHE_SECONDS = 60 * 24 * 3600  # refresh tokens live 90 days
RENEW_BEFORE_SECONDS = 60  # refresh an access token this close to its expiry before using it
LOGIN_REFUSALS = frozenset(
    {"AuthenticationRequired", "AccountTakedown", "AccountDeactivated", "AuthFactorTokenRequired"}
)


class XRPCSession:
    """Authenticated XRPC requests for one account, with its session kept and renewed."""

    app_password: str
    http: HTTPClient
    channel: Any
    credentials: dict[str, Any]
    #: Called with ``{did, handle, accessJwt, refreshJwt}`` whenever the tokens change.
    session_changed: Callable[[dict[str, str]], None] | None
    _session: dict[str, str] | None

    @property
    def service(self) -> str:  # pragma: no cover - the adapter's
        raise NotImplementedError

    @property
    def handle(self) -> str:  # pragma: no cover - the adapter's
        raise NotImplementedError

    def _url(self, nsid: str) -> str:
        return f"{self.service}/xrpc/{nsid}"

    def _xrpc(self, method: str, nsid: str, **kwargs: Any) -> Any:
        """An authenticated call; a refused access token is renewed once, then: AuthError."""
        headers = dict(kwargs.pop("headers", None) or {})
        for attempt in (1, 2):
            session = self._ensure_session()
            headers["Authorization"] = f"Bearer {session['accessJwt']}"
            try:
                return self.http.request(method, self._url(nsid), headers=headers, **kwargs)
            except (AuthError, PermanentError) as error:
                if not token_refused(error):
                    raise
                if attempt == 2:
                    self._forget_session()
                    raise AuthError(
                        _(
                            "Bluesky refused the channel's session (%(detail)s) even after "
                            "signing in again. Reconnect the channel in Settings → Social "
                            "channels."
                        )
                        % {"detail": error_name(error) or error.status_code},
                        raw=error.raw,
                        status_code=error.status_code,
                    ) from None
                self._renew()
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure_session(self) -> dict[str, str]:
        session = self._session or self._stored_session()
        if session is None:
            return self._login()
        self._use(session)
        if expires_within(session["accessJwt"], RENEW_BEFORE_SECONDS):
            self._renew()  # saves a request that would only come back "ExpiredToken"
        assert self._session is not None
        return self._session

    def _stored_session(self) -> dict[str, str] | None:
        for candidate in (cache.get(self._cache_key()), self.credentials.get("session")):
            session = valid_session(candidate)
            if session is not None:
                return session
        return None

    def _cache_key(self) -> str:
        account = hashlib.sha256(f"{self.service}\n{self.handle}".encode()).hexdigest()[:32]
        return f"wagtail_crosspost:bluesky:session:{self.channel.pk or 'unsaved'}:{account}"

    def _use(self, session: dict[str, str]) -> None:
        self._session = session
        for token in (session["accessJwt"], session["refreshJwt"]):
            if token and token not in self.http.secrets:
                self.http.secrets.append(token)

    def _save(self, answer: dict[str, Any]) -> dict[str, str]:
        previous = self._session or {}
        merged = {**previous, **{k: v for k, v in answer.items() if isinstance(v, str) and v}}
        session = valid_session(merged)
        if session is None:
            raise PermanentError(_("Bluesky answered the sign-in without a session."))
        self._use(session)
        cache.set(self._cache_key(), session, SESSION_CACHE_SECONDS)
        if self.session_changed is not None:
            self.session_changed(dict(session))
        return session

    def _forget_session(self) -> None:
        self._session = None
        cache.delete(self._cache_key())

    def _login(self) -> dict[str, str]:
        if not self.app_password:
            raise AuthError(
                _("The channel “%(name)s” has no app password. Reconnect it.")
                % {"name": self.channel.name}
            )
        body = {"identifier": self.handle, "password": self.app_password}
        try:
            # Safe to repeat: a second session is made at worst.
            response = self.http.request(
                "POST", self._url("com.atproto.server.createSession"), json=body, idempotent=True
            )
        except (AuthError, PermanentError) as error:
            if isinstance(error, PermanentError) and error_name(error) not in LOGIN_REFUSALS:
                raise
            self._forget_session()
            raise AuthError(
                _(
                    "Bluesky refused the handle “%(handle)s” with this app password "
                    "(%(detail)s). Create a new app password and reconnect the channel in "
                    "Settings → Social channels."
                )
                % {"handle": self.handle, "detail": xrpc_error_text(error_body(error))},
                raw=error.raw,
                status_code=error.status_code,
            ) from None
        logger.info("Signed in to Bluesky as %s.", self.handle)
        return self._save(json_object(response))

    def _renew(self) -> None:
        """A fresh access token: ``refreshSession``, or sign in again if that fails."""
        refresh = (self._session or {}).get("refreshJwt", "")
        if refresh and not expires_within(refresh, RENEW_BEFORE_SECONDS):
            try:
                response = self.http.request(
                    "POST",
                    self._url("com.atproto.server.refreshSession"),
                    headers={"Authorization": f"Bearer {refresh}"},
                    idempotent=True,
                )
            except (AuthError, PermanentError) as error:
                logger.info("Bluesky session refresh failed (%s); signing in again.", error)
            else:
                self._save(json_object(response))
                return
        self._forget_session()
        self._login()
