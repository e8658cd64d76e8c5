"""X's three-legged OAuth 1.0a (request token → authorize → access token), with
requests-oauthlib doing the signing.

The request token and its secret wait in the session (encrypted, single use, ten minutes) under
the request token itself, which the platform hands back on the callback together with the
``oauth_verifier``; OAuth 1.0a has no ``state``, the request token plays its part.
"""

from __future__ import annotations

from typing import Any

import requests
from django.utils.translation import gettext as _
from requests_oauthlib import OAuth1Session
from requests_oauthlib.oauth1_session import TokenMissing, TokenRequestDenied

from .. import conf
from ..adapters.gate import RequestRefused, guard
from ..adapters.oauth import (
    Account,
    Refused,
    TokenSet,
    Unavailable,
    error_text,
    parse_body,
)
from ..adapters.x.connect import XOAuth1Provider
from . import store

PREFIX = "oauth1:"


def _fetch(provider: XOAuth1Provider, session: OAuth1Session, kind: str, url: str) -> dict:
    timeout = tuple(conf.get("HTTP_TIMEOUT"))
    scrub = provider.client().scrub
    guard(session)  # through the outbound gate, like every other request
    try:
        if kind == "request":
            return session.fetch_request_token(url, timeout=timeout)
        return session.fetch_access_token(url, timeout=timeout)
    except TokenRequestDenied as exc:
        response = exc.response
        code, description = error_text(parse_body(response))
        status = response.status_code
        cls = Unavailable if status >= 500 or status == 429 else Refused
        raise cls(
            _("%(platform)s refused the request (HTTP %(status)s: %(detail)s).")
            % {
                "platform": provider.label,
                "status": status,
                "detail": scrub(description or code or response.reason or ""),
            },
            code=code,
            status=status,
        ) from None
    except (TokenMissing, ValueError):
        raise Refused(
            _("%(platform)s answered without the expected token.") % {"platform": provider.label}
        ) from None
    except RequestRefused as exc:
        raise Refused(scrub(exc.message)) from None
    except requests.RequestException as exc:
        raise Unavailable(
            _("Could not reach %(platform)s (%(error)s). Try again in a moment.")
            % {"platform": provider.label, "error": type(exc).__name__}
        ) from None


def begin(
    session: Any,
    provider: XOAuth1Provider,
    *,
    redirect_uri: str,
    user_id: Any,
    channel_id: int | None = None,
) -> str:
    """Get a request token and return the URL where the administrator authorises it."""
    oauth = OAuth1Session(
        provider.consumer_key,
        client_secret=provider.consumer_secret,
        callback_uri=redirect_uri,
    )
    answer = _fetch(provider, oauth, "request", provider.url("REQUEST_TOKEN_URL"))
    key = str(answer.get("oauth_token") or "")
    secret = str(answer.get("oauth_token_secret") or "")
    if not key or not secret or str(answer.get("oauth_callback_confirmed")).lower() != "true":
        raise Refused(
            _("%(platform)s did not confirm the callback address; nothing was started.")
            % {"platform": provider.label}
        )
    store.put(
        session,
        "flows",
        PREFIX + key,
        {
            "protocol": "oauth1",
            "platform": provider.key,
            "channel": channel_id,
            "user": str(user_id),
            "secret": secret,
        },
    )
    return oauth.authorization_url(provider.url("OAUTH1_AUTHORIZE_URL"), request_token=key)


def take_flow(session: Any, request_token: str, user_id: Any) -> dict[str, Any]:
    """The flow this request token started, removed from the session; FlowError if none."""
    return store.take_flow(
        session,
        PREFIX + request_token if request_token else "",
        user_id,
        "oauth1",
        unknown=_(
            "This answer from X does not belong to a connection started here (unknown or "
            "already used request token), or it came after more than ten minutes. Nothing "
            "was saved. Start connecting again."
        ),
        code="invalid_request_token",
    )


def complete(
    provider: XOAuth1Provider, flow: dict[str, Any], request_token: str, verifier: str
) -> TokenSet:
    """Trade the authorised request token and verifier for the access token."""
    oauth = OAuth1Session(
        provider.consumer_key,
        client_secret=provider.consumer_secret,
        resource_owner_key=request_token,
        resource_owner_secret=str(flow.get("secret") or ""),
        verifier=verifier,
    )
    answer = _fetch(provider, oauth, "access", provider.url("ACCESS_TOKEN_URL"))
    token = TokenSet(
        access_token=str(answer.get("oauth_token") or ""),
        token_secret=str(answer.get("oauth_token_secret") or ""),
        subject=str(answer.get("user_id") or ""),
        extra={"screen_name": str(answer.get("screen_name") or "")},
    )
    if not token.access_token or not token.token_secret:
        raise Refused(_("X answered without an access token."))
    return token


def accounts(provider: XOAuth1Provider, token: TokenSet) -> list[Account]:
    """X names the account in the access-token answer (``user_id``, ``screen_name``)."""
    if not token.subject:
        raise Refused(_("X did not say which account was connected."))
    screen_name = str(token.extra.get("screen_name") or "")
    return [
        Account(
            id=token.subject,
            name=f"@{screen_name}" if screen_name else token.subject,
            kind=str(_("X account")),
            options={"auth": "oauth1"},
        )
    ]
