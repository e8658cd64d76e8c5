"""Per platform: where to send the administrator, which scopes to ask for, and how to list the
accounts the connected person may post as.

Endpoints come from ``shared/reference/platforms.md`` where it names them, else from the
platform's own documentation (each noted). Every URL can be overridden in
``WAGTAILCROSSPOST_PLATFORMS[platform]`` (``AUTHORIZE_URL``, ``TOKEN_URL``, ``REVOKE_URL``,
``API_URL``; X's OAuth 1.0a: ``REQUEST_TOKEN_URL``, ``OAUTH1_AUTHORIZE_URL``,
``ACCESS_TOKEN_URL``, ``INVALIDATE_URL``), so a proxy or a test server can stand in. App
credentials: ``CLIENT_ID`` and ``CLIENT_SECRET`` (X's OAuth 1.0a: ``CONSUMER_KEY`` and
``CONSUMER_SECRET``), or the environment variables ``WAGTAILCROSSPOST_<PLATFORM>_CLIENT_ID`` etc.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import conf, crypto
from ..adapters.base import ConfigurationError
from ..adapters.http import check_public_url
from .client import Account, Client, Refused, TokenSet, expires_at

logger = logging.getLogger(__name__)

#: platforms.md §5: pin a Graph API version (the Meta adapters default to the same one).
META_API_VERSION = "v25.0"
THREADS_API_VERSION = "v1.0"  # platforms.md §7 endpoints


# -- settings ------------------------------------------------------------------------------------


def platform_settings(key: str) -> dict[str, Any]:
    value = (conf.get("PLATFORMS") or {}).get(key)
    return value if isinstance(value, dict) else {}


def setting_name(key: str, name: str) -> str:
    """How an administrator spells the setting, for messages and checks."""
    return f'WAGTAILCROSSPOST_PLATFORMS["{key}"]["{name}"]'


def env_name(key: str, name: str) -> str:
    return f"WAGTAILCROSSPOST_{key.upper()}_{name}"


class Provider:
    """One platform's OAuth 2 authorization-code flow (RFC 6749 §4.1 with PKCE, RFC 7636)."""

    key: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    protocol: ClassVar[str] = "oauth2"
    #: Where the settings live; the first wins, later ones are fallbacks (Instagram → Facebook).
    settings_keys: ClassVar[tuple[str, ...]] = ()
    #: Default endpoint URLs; ``{version}`` is replaced by the API version.
    endpoints: ClassVar[dict[str, str]] = {}
    scopes: ClassVar[tuple[str, ...]] = ()
    scope_separator: ClassVar[str] = " "
    #: RFC 6749 §3.1/§3.2 servers MUST ignore parameters they do not know, so PKCE is always
    #: sent unless a platform's ``PKCE`` setting is False.
    pkce: ClassVar[bool] = True
    client_auth: ClassVar[str] = "body"  # "basic": HTTP Basic with the client id and secret
    token_method: ClassVar[str] = "POST"  # noqa: S105 - an HTTP method
    required_settings: ClassVar[tuple[str, ...]] = ("CLIENT_ID", "CLIENT_SECRET")
    #: Refresh a token this long before it expires (the refresh task's default window).
    refresh_margin: ClassVar[timedelta] = timedelta(days=7)
    default_version: ClassVar[str] = ""
    #: Whether renewing a token needs the app's credentials (Threads renews with the token alone).
    refresh_needs_app: ClassVar[bool] = True
    #: Shown on the connect button and in the docs.
    connect_label: ClassVar[Any] = ""

    # -- settings --------------------------------------------------------------------------------

    @property
    def settings_key(self) -> str:
        return self.settings_keys[0] if self.settings_keys else self.key

    def setting(self, name: str, default: Any = None) -> Any:
        for key in self.settings_keys or (self.key,):
            value = platform_settings(key).get(name)
            if value not in (None, ""):
                return value
            env = os.environ.get(env_name(key, name))
            if env:
                return env
        return default

    @property
    def client_id(self) -> str:
        return str(self.setting("CLIENT_ID") or "")

    @property
    def client_secret(self) -> str:
        return str(self.setting("CLIENT_SECRET") or "")

    def missing(self) -> list[tuple[str, str]]:
        """(setting, environment variable) of each app credential that is not set."""
        return [
            (setting_name(self.settings_key, name), env_name(self.settings_key, name))
            for name in self.required_settings
            if not self.setting(name)
        ]

    def missing_settings(self) -> list[str]:
        """The app credentials that are not set, as the administrator would write them."""
        return [setting for setting, _env in self.missing()]

    @property
    def version(self) -> str:
        return str(self.setting("API_VERSION") or self.default_version)

    def url(self, name: str) -> str:
        override = self.setting(name)
        template = str(override or self.endpoints.get(name) or "")
        return template.format(version=self.version).rstrip("/") if template else ""

    def get_scopes(self) -> list[str]:
        scopes = self.setting("SCOPES")
        if isinstance(scopes, str):
            return [s for s in scopes.replace(",", " ").split() if s]
        return list(scopes) if scopes else list(self.scopes)

    def use_pkce(self) -> bool:
        value = self.setting("PKCE")
        if isinstance(value, str):
            return value.strip().lower() not in ("0", "false", "no", "off")
        return self.pkce if value is None else bool(value)

    def client(self, *secrets: str) -> Client:
        return Client(str(self.label), [self.client_secret, *secrets])

    # -- the flow --------------------------------------------------------------------------------

    #: True when the administrator names the server to connect to (Mastodon): the connect form
    #: asks for its address, and :meth:`prepare` binds the provider to it.
    needs_server: ClassVar[bool] = False

    def prepare(
        self, *, server_url: str = "", redirect_uri: str = "", channel: Any = None
    ) -> Provider:
        """The provider ready to start a flow (Mastodon: bound to a server, its app registered).
        Raises Refused/Unavailable with a sentence for the administrator."""
        return self

    def flow_data(self) -> dict[str, Any]:
        """What the flow must remember besides the platform (kept encrypted in the session)."""
        return {}

    def restore(self, entry: dict[str, Any]) -> Provider:
        """The provider as :meth:`prepare` left it, from a flow's ``flow_data``."""
        return self

    def authorize_params(self) -> dict[str, str]:
        """Extra query parameters for the authorization URL."""
        return {}

    def token_kwargs(self, data: dict[str, str]) -> dict[str, Any]:
        """requests keyword arguments for a token-endpoint call, with the client's credentials."""
        data = dict(data)
        kwargs: dict[str, Any] = {}
        if self.client_auth == "basic" and self.client_secret:
            kwargs["auth"] = (self.client_id, self.client_secret)
        else:
            data["client_id"] = self.client_id
            if self.client_secret:
                data["client_secret"] = self.client_secret
        kwargs["params" if self.token_method == "GET" else "data"] = data  # noqa: S105
        return kwargs

    def token_request(self, client: Client, data: dict[str, str]) -> dict[str, Any]:
        return client.request(self.token_method, self.url("TOKEN_URL"), **self.token_kwargs(data))

    def finish_token(self, client: Client, token: TokenSet) -> TokenSet:
        """After the code exchange: trade a short-lived token for a long-lived one (Meta)."""
        return token

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        """The accounts the connected person may post as (at least one, or Refused)."""
        raise NotImplementedError

    def credentials_for(self, token: TokenSet, account: Account) -> dict[str, Any]:
        """The channel's credentials for ``account`` (what its adapter reads)."""
        credentials: dict[str, Any] = {"access_token": token.access_token}
        if token.refresh_token:
            credentials["refresh_token"] = token.refresh_token
        if token.expires_at:
            credentials["expires_at"] = int(token.expires_at.timestamp())
        if token.subject:
            credentials["subject"] = token.subject
        credentials.update(account.credentials)
        return credentials

    def expiry_for(self, token: TokenSet, account: Account):
        """When the channel's token expires (None: it does not, or nobody says)."""
        return token.expires_at

    def account_key(self, options: dict[str, Any]) -> str:
        """Which account a channel's options point at (to preselect it when reconnecting)."""
        return ""

    # -- refresh and revoke ----------------------------------------------------------------------

    def can_refresh(self, credentials: dict[str, Any]) -> bool:
        return bool(credentials.get("refresh_token"))

    def refresh(self, client: Client, credentials: dict[str, Any]) -> TokenSet:
        """A new token from the refresh token (RFC 6749 §6). The old refresh token is kept when
        the platform sends no new one."""
        refresh_token = str(credentials.get("refresh_token") or "")
        client.add_secret(refresh_token, str(credentials.get("access_token") or ""))
        answer = self.token_request(
            client, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        token = TokenSet.from_answer(answer, str(self.label))
        token.refresh_token = token.refresh_token or refresh_token
        return token

    @property
    def can_revoke(self) -> bool:
        return bool(self.url("REVOKE_URL"))

    def revoke(self, client: Client, credentials: dict[str, Any]) -> None:
        """Revoke the channel's token (RFC 7009). Raises Refused/Unavailable on failure."""
        token = str(credentials.get("refresh_token") or credentials.get("access_token") or "")
        hint = "refresh_token" if credentials.get("refresh_token") else "access_token"
        client.add_secret(token, str(credentials.get("access_token") or ""))
        client.request(
            "POST",
            self.url("REVOKE_URL"),
            **self.token_kwargs({"token": token, "token_type_hint": hint}),
        )

    def shared_token(self, credentials: dict[str, Any]) -> str:
        """The token whose revocation would affect other channels connected the same way."""
        return str(credentials.get("access_token") or "")


# -- LinkedIn ------------------------------------------------------------------------------------

LINKEDIN_POSTING_ROLES = ("ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMIN")


class LinkedInProvider(Provider):
    """platforms.md §4: OAuth 2 three-legged; access tokens last 60 days; refresh tokens only for
    approved partners. ``w_organization_social`` posts as a Page (the member needs one of
    ``LINKEDIN_POSTING_ROLES``); ``rw_organization_admin`` lets us list those Pages."""

    key = "linkedin"
    label = gettext_lazy("LinkedIn")
    connect_label = gettext_lazy("Connect with LinkedIn")
    settings_keys = ("linkedin",)
    endpoints = {
        # learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow
        "AUTHORIZE_URL": "https://www.linkedin.com/oauth/v2/authorization",
        "TOKEN_URL": "https://www.linkedin.com/oauth/v2/accessToken",
        # Not in platforms.md (unverified): LinkedIn's token revocation endpoint.
        "REVOKE_URL": "https://www.linkedin.com/oauth/v2/revoke",
        "API_URL": "https://api.linkedin.com",
    }
    scopes = (
        "openid",
        "profile",
        "w_member_social",
        "w_organization_social",
        "rw_organization_admin",
    )

    @property
    def version(self) -> str:
        from ..adapters.linkedin import DEFAULT_VERSION

        return str(self.setting("API_VERSION") or DEFAULT_VERSION)

    def _get(self, client: Client, token: TokenSet, path: str, **params: Any) -> dict[str, Any]:
        return client.request(
            "GET",
            self.url("API_URL") + path,
            params=params or None,
            bearer=token.access_token,
            headers={"LinkedIn-Version": self.version, "X-Restli-Protocol-Version": "2.0.0"},
        )

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        client.add_secret(token.access_token)
        accounts: list[Account] = []
        if "openid" in self.get_scopes():
            me = self._get(client, token, "/v2/userinfo")
            sub = str(me.get("sub") or "")
            if sub:
                token.subject = sub
                urn = f"urn:li:person:{sub}"
                accounts.append(
                    Account(
                        id=urn,
                        name=str(me.get("name") or urn),
                        kind=str(_("Member profile")),
                        options={"author_urn": urn},
                    )
                )
        try:
            acls = self._get(client, token, "/rest/organizationAcls", q="roleAssignee")
        except Refused as error:  # no rw_organization_admin: the member's own profile only
            logger.warning("LinkedIn did not list the member's Pages: %s", error.message)
            acls = {}
        seen: set[str] = set()
        for element in acls.get("elements") or []:
            if not isinstance(element, dict):
                continue
            urn = str(element.get("organization") or element.get("organizationTarget") or "")
            if (
                not urn.startswith("urn:li:organization:")
                or element.get("role") not in LINKEDIN_POSTING_ROLES
                or element.get("state", "APPROVED") != "APPROVED"
                or urn in seen
            ):
                continue
            seen.add(urn)
            ident = urn.rsplit(":", 1)[-1]
            try:
                org = self._get(client, token, f"/rest/organizations/{quote(ident, safe='')}")
                name = str(org.get("localizedName") or urn)
            except Refused:
                name = urn
            accounts.append(
                Account(
                    id=urn,
                    name=name,
                    kind=str(_("LinkedIn Page")),
                    detail=str(element.get("role") or "").replace("_", " ").lower(),
                    options={"author_urn": urn},
                )
            )
        return accounts

    def account_key(self, options: dict[str, Any]) -> str:
        return str(options.get("author_urn") or "")


# -- X -------------------------------------------------------------------------------------------


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

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        client.add_secret(token.access_token)
        answer = client.request(
            "GET", self.url("API_URL") + "/2/users/me", bearer=token.access_token
        )
        data = answer.get("data")
        user: dict[str, Any] = data if isinstance(data, dict) else {}
        ident = str(user.get("id") or "")
        if not ident:
            raise Refused(_("X did not say which account was connected."))
        token.subject = ident
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
        from .oauth1 import invalidate

        invalidate(self, client, credentials)


# -- Meta: Facebook Pages, Instagram, Threads ----------------------------------------------------


class FacebookProvider(Provider):
    """platforms.md §5: Facebook Login → user token → long-lived user token
    (``fb_exchange_token``) → each Page's own token from ``GET /me/accounts``. The channel keeps
    only the Page token (least privilege); its lifetime is unverified, so no expiry is shown and
    error 190 asks for a reconnect. Meta documents the token exchange as GET."""

    key = "facebook"
    label = gettext_lazy("Facebook")
    connect_label = gettext_lazy("Connect with Facebook")
    settings_keys: ClassVar[tuple[str, ...]] = ("facebook",)
    default_version = META_API_VERSION
    endpoints = {
        # developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
        "AUTHORIZE_URL": "https://www.facebook.com/{version}/dialog/oauth",
        "TOKEN_URL": "https://graph.facebook.com/{version}/oauth/access_token",
        "API_URL": "https://graph.facebook.com",
    }
    scopes: ClassVar[tuple[str, ...]] = (
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
    )
    scope_separator = ","
    token_method = "GET"  # noqa: S105 - an HTTP method

    def finish_token(self, client: Client, token: TokenSet) -> TokenSet:
        # platforms.md §5: short-lived user tokens last hours; exchange for ~60 days.
        client.add_secret(token.access_token)
        answer = client.request(
            "GET",
            self.url("TOKEN_URL"),
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "fb_exchange_token": token.access_token,
            },
        )
        long_lived = TokenSet.from_answer(answer, str(self.label))
        client.add_secret(long_lived.access_token)
        return long_lived

    def _pages(self, client: Client, token: TokenSet) -> list[dict[str, Any]]:
        base = f"{self.url('API_URL')}/{self.version}"
        me = client.request(
            "GET", base + "/me", params={"fields": "id", "access_token": token.access_token}
        )
        token.subject = str(me.get("id") or "")
        url = base + "/me/accounts"
        params: dict[str, Any] | None = {
            "fields": "id,name,access_token,tasks,instagram_business_account{id,username,name}",
            "limit": 100,
            "access_token": token.access_token,
        }
        pages: list[dict[str, Any]] = []
        for _page in range(10):  # Meta pages its answers; ten pages of 100 are plenty
            answer = client.request("GET", url, params=params)
            pages += [p for p in answer.get("data") or [] if isinstance(p, dict)]
            paging = answer.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            # Follow Meta's "next" link only on the API host (it carries the token).
            if not isinstance(following, str) or not following.startswith(base + "/"):
                break
            url, params = following, None
        for page in pages:
            client.add_secret(str(page.get("access_token") or ""))
        return pages

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        accounts = []
        for page in self._pages(client, token):
            tasks = page.get("tasks")
            if isinstance(tasks, list) and "CREATE_CONTENT" not in tasks and "MANAGE" not in tasks:
                continue  # platforms.md §5: the user needs CREATE_CONTENT or MANAGE on the Page
            if not page.get("id") or not page.get("access_token"):
                continue
            accounts.append(
                Account(
                    id=str(page["id"]),
                    name=str(page.get("name") or page["id"]),
                    kind=str(_("Facebook Page")),
                    options={"page_id": str(page["id"])},
                    credentials={"page_access_token": str(page["access_token"])},
                )
            )
        return accounts

    def credentials_for(self, token: TokenSet, account: Account) -> dict[str, Any]:
        return {**account.credentials, "subject": token.subject}

    def expiry_for(self, token: TokenSet, account: Account):
        return None

    def account_key(self, options: dict[str, Any]) -> str:
        return str(options.get("page_id") or "")

    def can_refresh(self, credentials: dict[str, Any]) -> bool:
        return False

    @property
    def can_revoke(self) -> bool:
        # Revoking at Meta (DELETE /me/permissions) would cut every Page and Instagram account
        # the person connected, not only this channel: we only forget the token.
        return False

    def shared_token(self, credentials: dict[str, Any]) -> str:
        return str(credentials.get("page_access_token") or "")


class InstagramProvider(FacebookProvider):
    """platforms.md §6: Instagram API with Facebook Login. The business account is found on the
    Page it is linked to (``instagram_business_account``); the channel keeps that Page's token."""

    key = "instagram"
    label = gettext_lazy("Instagram")
    connect_label = gettext_lazy("Connect with Instagram (via Facebook)")
    # The same Meta app usually serves both: Instagram falls back to the Facebook settings.
    settings_keys: ClassVar[tuple[str, ...]] = ("instagram", "facebook")
    scopes: ClassVar[tuple[str, ...]] = (
        "instagram_basic",
        "instagram_content_publish",
        "pages_show_list",
        "pages_read_engagement",
    )

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        accounts = []
        for page in self._pages(client, token):
            ig = page.get("instagram_business_account")
            if not isinstance(ig, dict) or not ig.get("id") or not page.get("access_token"):
                continue
            username = str(ig.get("username") or "")
            accounts.append(
                Account(
                    id=str(ig["id"]),
                    name=f"@{username}" if username else str(ig.get("name") or ig["id"]),
                    kind=str(_("Instagram business account")),
                    detail=str(
                        _("linked to the Page “%(page)s”") % {"page": page.get("name") or ""}
                    ),
                    options={"ig_user_id": str(ig["id"])},
                    credentials={"access_token": str(page["access_token"])},
                )
            )
        return accounts

    def account_key(self, options: dict[str, Any]) -> str:
        return str(options.get("ig_user_id") or "")

    def shared_token(self, credentials: dict[str, Any]) -> str:
        return str(credentials.get("access_token") or "")


class ThreadsProvider(Provider):
    """platforms.md §7: Threads OAuth; the code gives a 1-hour token, exchanged server-side
    (``th_exchange_token``) for a 60-day one, refreshed (``th_refresh_token``) once it is at
    least 24 hours old. No revocation endpoint is documented."""

    key = "threads"
    label = gettext_lazy("Threads")
    connect_label = gettext_lazy("Connect with Threads")
    settings_keys = ("threads",)
    default_version = THREADS_API_VERSION
    endpoints = {
        # developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
        "AUTHORIZE_URL": "https://threads.net/oauth/authorize",
        "TOKEN_URL": "https://graph.threads.net/oauth/access_token",
        "API_URL": "https://graph.threads.net",
    }
    scopes = ("threads_basic", "threads_content_publish", "threads_delete")
    scope_separator = ","
    refresh_needs_app = False

    def finish_token(self, client: Client, token: TokenSet) -> TokenSet:
        client.add_secret(token.access_token)
        answer = client.request(
            "GET",
            self.url("API_URL") + "/access_token",
            params={
                "grant_type": "th_exchange_token",
                "client_secret": self.client_secret,
                "access_token": token.access_token,
            },
        )
        long_lived = TokenSet.from_answer(answer, str(self.label))
        long_lived.expires_at = long_lived.expires_at or expires_at(60 * 24 * 3600)
        client.add_secret(long_lived.access_token)
        return long_lived

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        client.add_secret(token.access_token)
        me = client.request(
            "GET",
            f"{self.url('API_URL')}/{self.version}/me",
            params={"fields": "id,username,name", "access_token": token.access_token},
        )
        ident = str(me.get("id") or "")
        if not ident:
            raise Refused(_("Threads did not say which account was connected."))
        token.subject = ident
        username = str(me.get("username") or "")
        return [
            Account(
                id=ident,
                name=f"@{username}" if username else str(me.get("name") or ident),
                kind=str(_("Threads profile")),
                options={"user_id": ident},
            )
        ]

    def account_key(self, options: dict[str, Any]) -> str:
        return str(options.get("user_id") or "")

    def can_refresh(self, credentials: dict[str, Any]) -> bool:
        return bool(credentials.get("access_token"))

    def refresh(self, client: Client, credentials: dict[str, Any]) -> TokenSet:
        current = str(credentials.get("access_token") or "")
        client.add_secret(current)
        answer = client.request(
            "GET",
            self.url("API_URL") + "/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": current},
        )
        token = TokenSet.from_answer(answer, str(self.label))
        token.expires_at = token.expires_at or expires_at(60 * 24 * 3600)
        return token


# -- Mastodon ------------------------------------------------------------------------------------

#: platforms.md §1: ``write:statuses`` (post, edit, delete) and ``write:media`` (upload); Mastodon's
#: ``verify_credentials`` (the account's name, and "Test connection") needs ``read:accounts``
#: (``profile`` exists only since 4.3, older servers refuse it).
MASTODON_SCOPES = ("write:statuses", "write:media", "read:accounts")
MASTODON_APP_CACHE_SECONDS = 30 * 24 * 3600


class MastodonProvider(Provider):
    """platforms.md §1: OAuth 2 authorization code, PKCE (S256) since 4.3; tokens never expire and
    there is no refresh. Every server is its own authorization server, so there is no app to
    configure: the site registers itself on the server the administrator names
    (``POST /api/v1/apps``, Mastodon's documented dynamic registration), and keeps that app's
    client id and secret encrypted, in Django's cache per server and with each channel (they
    revoke its token on disconnect). ``CLIENT_NAME`` and ``WEBSITE`` settings name the app."""

    key = "mastodon"
    label = gettext_lazy("Mastodon")
    connect_label = gettext_lazy("Connect with Mastodon")
    settings_keys = ("mastodon",)
    endpoints = {
        # MDOC content/en/methods/apps.md and content/en/methods/oauth.md
        "APPS_URL": "{server}/api/v1/apps",
        "AUTHORIZE_URL": "{server}/oauth/authorize",
        "TOKEN_URL": "{server}/oauth/token",
        "REVOKE_URL": "{server}/oauth/revoke",
        "API_URL": "{server}",
    }
    scopes = MASTODON_SCOPES
    required_settings = ()  # the app is registered on each server: nothing to configure
    needs_server = True

    def __init__(self, server: str = "", app: dict[str, Any] | None = None):
        self.server = server
        self.app = {
            k: str(v) for k, v in (app or {}).items() if k in ("client_id", "client_secret")
        }

    # -- the server and its app ------------------------------------------------------------------

    def url(self, name: str) -> str:
        """The endpoint on the server, which is checked again first (Refused if it is not
        public): the name may point elsewhere by the callback or the disconnect than it did
        when the connection started."""
        template = str(self.endpoints.get(name) or "")
        if not template or not self.server:
            return ""
        return template.format(server=self.clean_server(self.server)).rstrip("/")

    @property
    def client_id(self) -> str:
        return self.app.get("client_id", "")

    @property
    def client_secret(self) -> str:
        return self.app.get("client_secret", "")

    @staticmethod
    def clean_server(value: Any) -> str:
        """A checked base URL: https (http only where private addresses are allowed, for
        tests), public unless ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS``. Raises Refused."""
        url = str(value or "").strip()
        if url and "://" not in url:
            url = "https://" + url
        url = url.rstrip("/")
        if not url:
            raise Refused(
                _("Enter the address of the Mastodon server, e.g. https://mastodon.social.")
            )
        allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
        if not url.lower().startswith("https://") and not allow_private:
            raise Refused(
                _("The Mastodon server address “%(url)s” must start with https://.") % {"url": url}
            )
        try:
            return check_public_url(url, allow_private=allow_private)
        except ConfigurationError as error:
            raise Refused(error.message) from None

    def _app_cache_key(self, redirect_uri: str) -> str:
        scopes = " ".join(self.get_scopes())
        digest = hashlib.sha256(f"{self.server}\n{redirect_uri}\n{scopes}".encode()).hexdigest()
        return f"wagtail_crosspost:mastodon:app:{digest[:40]}"

    def prepare(
        self, *, server_url: str = "", redirect_uri: str = "", channel: Any = None
    ) -> Provider:
        """Bound to the server (a reconnect keeps the channel's), with an app registered there:
        the channel's own, else the one cached for this server, else a new one."""
        options = (channel.options or {}) if channel is not None else {}
        server = self.clean_server(options.get("server_url") or server_url)
        stored = channel.get_credentials() if channel is not None else {}
        same_server = (
            options.get("server_url") and self.clean_server(options["server_url"]) == server
        )
        if same_server and stored.get("client_id") and stored.get("client_secret"):
            return MastodonProvider(server, stored)
        bound = MastodonProvider(server)
        cache_key = bound._app_cache_key(redirect_uri)
        cached = cache.get(cache_key)
        if isinstance(cached, str) and cached:
            try:
                app = crypto.decrypt(cached)
            except ImproperlyConfigured:  # the keys changed: register again
                app = {}
            if app.get("client_id") and app.get("client_secret"):
                return MastodonProvider(server, app)
        bound.app = bound.register(redirect_uri)
        cache.set(cache_key, crypto.encrypt(bound.app), MASTODON_APP_CACHE_SECONDS)
        return bound

    def register(self, redirect_uri: str) -> dict[str, str]:
        """``POST /api/v1/apps``: the server's client id and secret for this site."""
        client = Client(str(self.label))
        data = {
            "client_name": str(self.setting("CLIENT_NAME") or "wagtail-crosspost"),
            "redirect_uris": redirect_uri,
            "scopes": " ".join(self.get_scopes()),
        }
        website = self.setting("WEBSITE") or conf.get("BASE_URL")
        if website:
            data["website"] = str(website)
        answer = client.request("POST", self.url("APPS_URL"), data=data)
        app = {k: str(answer.get(k) or "") for k in ("client_id", "client_secret")}
        if not all(app.values()):
            raise Refused(
                _("%(server)s did not register the app (no client id or secret in its answer).")
                % {"server": self.server}
            )
        logger.info("Registered the app on the Mastodon server %s.", self.server)
        return app

    def forget_app(self, redirect_uri: str) -> None:
        cache.delete(self._app_cache_key(redirect_uri))

    def flow_data(self) -> dict[str, Any]:
        return {"server": self.server, "app": dict(self.app)}

    def restore(self, entry: dict[str, Any]) -> Provider:
        app = entry.get("app")
        return MastodonProvider(
            str(entry.get("server") or ""), app if isinstance(app, dict) else {}
        )

    def token_request(self, client: Client, data: dict[str, str]) -> dict[str, Any]:
        try:
            return super().token_request(client, data)
        except Refused as error:
            if error.code == "invalid_client":  # the server forgot the app: register anew
                self.forget_app(str(data.get("redirect_uri") or ""))
            raise

    # -- the account -----------------------------------------------------------------------------

    def accounts(self, client: Client, token: TokenSet) -> list[Account]:
        client.add_secret(token.access_token)
        me = client.request(
            "GET",
            self.url("API_URL") + "/api/v1/accounts/verify_credentials",
            bearer=token.access_token,
        )
        ident = str(me.get("id") or "")
        if not ident:
            raise Refused(_("Mastodon did not say which account was connected."))
        token.subject = ident
        host = urlsplit(self.server).hostname or ""
        username = str(me.get("acct") or me.get("username") or "")
        handle = f"@{username}" if "@" in username else f"@{username}@{host}"
        return [
            Account(
                id=ident,
                name=handle if username else ident,
                kind=str(_("Mastodon account")),
                detail=str(me.get("display_name") or ""),
                options={"server_url": self.server},
                credentials=dict(self.app),
            )
        ]

    def credentials_for(self, token: TokenSet, account: Account) -> dict[str, Any]:
        credentials = super().credentials_for(token, account)
        credentials.pop("refresh_token", None)  # Mastodon has none; tokens do not expire
        return credentials

    def expiry_for(self, token: TokenSet, account: Account):
        return None  # platforms.md §1: Mastodon tokens never expire

    def can_refresh(self, credentials: dict[str, Any]) -> bool:
        return False

    @property
    def can_revoke(self) -> bool:
        # ``POST /oauth/revoke`` (RFC 7009, the inherited ``revoke``) needs the app that issued
        # the token, whose id and secret the channel keeps; a pasted token has none here.
        return bool(self.server and self.client_id and self.client_secret)

    @classmethod
    def for_channel(cls, channel: Any) -> MastodonProvider:
        credentials = channel.get_credentials()
        server = str((channel.options or {}).get("server_url") or "").strip().rstrip("/")
        if server and "://" not in server:
            server = "https://" + server
        return cls(server, credentials)


# -- registry ------------------------------------------------------------------------------------

PROVIDERS: dict[str, tuple[type[Provider], ...]] = {
    "linkedin": (LinkedInProvider,),
    "x": (XProvider, XOAuth1Provider),
    "facebook": (FacebookProvider,),
    "instagram": (InstagramProvider,),
    "threads": (ThreadsProvider,),
    "mastodon": (MastodonProvider,),
}


def providers_for(platform: str) -> list[Provider]:
    """Every way ``platform`` can be connected (X: OAuth 2.0 and OAuth 1.0a); [] for none."""
    return [cls() for cls in PROVIDERS.get(platform, ())]


def get_provider(platform: str, protocol: str = "") -> Provider:
    """The provider for ``platform`` (and ``protocol``, default the first); LookupError."""
    for provider in providers_for(platform):
        if not protocol or provider.protocol == protocol:
            return provider
    raise LookupError(f"{platform!r} cannot be connected with {protocol or 'OAuth'}.")


def provider_for_channel(channel: Any) -> Provider | None:
    """The provider that connected (or would connect) ``channel``."""
    if channel.platform == "mastodon":
        return MastodonProvider.for_channel(channel)
    protocol = ""
    if channel.platform == "x":
        auth = str((channel.options or {}).get("auth") or "oauth2").lower()
        protocol = "oauth1" if auth == "oauth1" else "oauth2"
    try:
        return get_provider(channel.platform, protocol)
    except LookupError:
        return None
