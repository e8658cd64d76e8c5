"""X's two connections: OAuth 2.0 with PKCE, and OAuth 1.0a user context."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..oauth import Account, Client, TokenSet, oauth1_signer
from ..provider import Provider

logger = logging.getLogger(__name__)


def auth_mode(options: dict[str, Any]) -> str:
    """How a channel's X account was connected: "oauth1" or "oauth2" (the default)."""
    return "oauth1" if str(options.get("auth") or "oauth2").lower() == "oauth1" else "oauth2"


class XProvider(Provider):
    """platforms.md §3: OAuth 2 authorization code with PKCE (required by X); access tokens
    last 2 hours; ``offline.access`` brings a refresh token (X rotates it on every refresh).
    A confidential client authenticates with HTTP Basic; a public one sends only its id."""

    key = "x"
    label = gettext_lazy("X")
    connect_label = gettext_lazy("Connect with X (OAuth 2.0)")
    settings_keys = ("x",)
    endpoints = {
        # XDOC fundamentals/authentication/oauth-2-0/authorization-code.mdx
        "AUTHORIZE_URL": "https://x.com/i/oauth2/authorize",
        "TOKEN_URL": "https://api.x.com/2/oauth2/token",
        "REVOKE_URL": "https://api.x.com/2/oauth2/revoke",
        "API_URL": "https://api.x.com",
    }
    scopes = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
    client_auth = "basic"
    required_settings = ("CLIENT_ID",)  # a public client (PKCE only) has no secret
    refresh_margin = timedelta(minutes=45)

    @classmethod
    def serves(cls, options: dict[str, Any]) -> bool:
        return auth_mode(options) == "oauth2"

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        client.add_secret(token.access_token)
        answer = client.request(
            "GET", self.url("API_URL") + "/2/users/me", bearer=token.access_token
        )
        data = answer.get("data")
        user: dict[str, Any] = data if isinstance(data, dict) else {}
        ident = self.claim_subject(token, user, _("X did not say which account was connected."))
        username = str(user.get("username") or "")
        return [
            Account(
                id=ident,
                name=str(user.get("name") or username or ident),
                kind=str(_("X account")),
                detail=f"@{username}" if username else "",
                options={"auth": "oauth2"},
            )
        ]


class XOAuth1Provider(Provider):
    """platforms.md §3: OAuth 1.0a user context; access tokens do not expire (the user can
    revoke them). The three-legged flow: request token → authorize → access token."""

    key = "x"
    label = gettext_lazy("X")
    connect_label = gettext_lazy("Connect with X (OAuth 1.0a)")
    protocol = "oauth1"
    settings_keys = ("x",)
    endpoints = {
        # XDOC fundamentals/authentication/oauth-1-0a/obtaining-user-access-tokens.mdx
        "REQUEST_TOKEN_URL": "https://api.x.com/oauth/request_token",
        "OAUTH1_AUTHORIZE_URL": "https://api.x.com/oauth/authorize",
        "ACCESS_TOKEN_URL": "https://api.x.com/oauth/access_token",
        "INVALIDATE_URL": "https://api.x.com/1.1/oauth/invalidate_token",
    }
    required_settings = ("CONSUMER_KEY", "CONSUMER_SECRET")
    pkce = False

    @classmethod
    def serves(cls, options: dict[str, Any]) -> bool:
        return auth_mode(options) == "oauth1"

    @property
    def consumer_key(self) -> str:
        return str(self.setting("CONSUMER_KEY") or "")

    @property
    def consumer_secret(self) -> str:
        return str(self.setting("CONSUMER_SECRET") or "")

    def client(self, *secrets: str) -> Client:
        return Client(str(self.label), [self.consumer_secret, *secrets])

    def credentials_for(self, token: TokenSet, account: Account) -> dict[str, Any]:
        return {
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "access_token": token.access_token,
            "access_token_secret": token.token_secret,
            "subject": token.subject,
        }

    def can_refresh(self, credentials: dict[str, Any]) -> bool:
        return False

    @property
    def can_revoke(self) -> bool:
        return bool(self.url("INVALIDATE_URL"))

    def revoke(self, client: Client, credentials: dict[str, Any]) -> None:
        """X's ``POST /1.1/oauth/invalidate_token``, signed with the token it revokes."""
        client.add_secret(
            str(credentials.get("access_token") or ""),
            str(credentials.get("access_token_secret") or ""),
            str(credentials.get("consumer_secret") or ""),
        )
        client.request("POST", self.url("INVALIDATE_URL"), auth=oauth1_signer(credentials))
