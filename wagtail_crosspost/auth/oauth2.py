"""OAuth 2 authorization code with PKCE (RFC 6749 §4.1, RFC 7636 S256) and ``state``.

``begin`` stores a flow in the session (encrypted) under a fresh ``state`` and returns the
platform's authorization URL; ``complete`` takes that flow out again (single use, ten minutes) and
exchanges the code, sending the PKCE verifier, at the platform's token endpoint. A wrong,
replayed or expired ``state`` is refused before anything is sent anywhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from ..adapters.oauth import (
    Client,
    FlowError,
    OAuthError,
    Refused,
    TokenSet,
    challenge,
    new_verifier,
)
from ..adapters.provider import Provider
from . import store


def begin(
    session: Any,
    provider: Provider,
    *,
    redirect_uri: str,
    user_id: Any,
    channel_id: int | None = None,
) -> str:
    """Start a flow; return the URL to send the administrator to."""
    state = store.new_key()
    flow: dict[str, Any] = {
        "protocol": "oauth2",
        "platform": provider.key,
        "channel": channel_id,
        "redirect_uri": redirect_uri,
        "user": str(user_id),
        **provider.flow_data(),
    }
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": provider.scope_separator.join(provider.get_scopes()),
        **provider.authorize_params(),
    }
    if provider.use_pkce():
        flow["verifier"] = new_verifier()
        params["code_challenge"] = challenge(flow["verifier"])
        params["code_challenge_method"] = "S256"
    store.put(session, "flows", state, flow)
    url = provider.url("AUTHORIZE_URL")
    return url + ("&" if "?" in url else "?") + urlencode(params)


def take_flow(session: Any, state: str, user_id: Any) -> dict[str, Any]:
    """The flow this ``state`` started, removed from the session; FlowError if there is none."""
    return store.take_flow(
        session,
        state,
        user_id,
        "oauth2",
        unknown=_(
            "This answer from the platform does not belong to a connection started here "
            "(wrong or already used “state”), or it came after more than ten minutes. "
            "Nothing was saved. Start connecting again."
        ),
        code="invalid_state",
    )


def exchange(provider: Provider, flow: dict[str, Any], code: str) -> TokenSet:
    """Trade the authorization code (and the PKCE verifier) for a token."""
    client = provider.client(code)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": str(flow.get("redirect_uri") or ""),
    }
    verifier = flow.get("verifier")
    if verifier:
        client.add_secret(verifier)
        data["code_verifier"] = str(verifier)
    try:
        answer = provider.token_request(client, data)
        token = TokenSet.from_answer(answer, str(provider.label))
        client.add_secret(*token.secrets)
        return provider.finish_token(client, token)
    except Refused as error:
        raise Refused(
            _(
                "%(platform)s did not accept the authorization (%(detail)s). Nothing was saved. "
                "Start connecting again; if it happens again, check the app's settings."
            )
            % {"platform": provider.label, "detail": error.message},
            code=error.code,
            status=error.status,
        ) from None


def accounts(provider: Provider, token: TokenSet):
    client = provider.client(*token.secrets)
    return provider.accounts(client, token)


def refresh(provider: Provider, credentials: dict[str, Any]) -> TokenSet:
    return provider.refresh(provider.client(), credentials)


def revoke(provider: Provider, credentials: dict[str, Any]) -> None:
    provider.revoke(provider.client(), credentials)


__all__ = [
    "Client",
    "FlowError",
    "OAuthError",
    "Refused",
    "TokenSet",
    "accounts",
    "begin",
    "challenge",
    "exchange",
    "new_verifier",
    "refresh",
    "revoke",
    "take_flow",
]
