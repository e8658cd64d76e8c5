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

import logging
import os
from datetime import timedelta
from functools import cache
from typing import Any, ClassVar

from django.utils.module_loading import import_string

from .. import conf
from .oauth import Account, Client, Refused, TokenSet

logger = logging.getLogger(__name__)

# -- settings ------------------------------------------------------------------------------------


def platform_settings(key: str) -> dict[str, Any]:
    value = (conf.get("PLATFORMS") or {}).get(key)
    return value if isinstance(value, dict) else {}


#: The app keys an administrator may enter in the connect wizard (stored encrypted).
STORED_KEYS = ("CLIENT_ID", "CLIENT_SECRET", "CONSUMER_KEY", "CONSUMER_SECRET")


def stored_keys(key: str) -> dict[str, Any]:
    """The keys entered in the connect wizard for ``key`` ({} when none, or no database yet).
    Looked up by name: the model lives in a layer above the adapters."""
    from django.apps import apps

    try:
        model = apps.get_model("wagtail_crosspost", "PlatformApp")
        row = model.objects.filter(platform=key).only("keys").first()
    except Exception:  # no table yet (migrations), no database access (system checks)
        return {}
    keys = row.keys if row is not None else {}
    return dict(keys) if isinstance(keys, dict) else {}


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
        if name in STORED_KEYS:  # settings and the environment win; then the wizard's keys
            for key in self.settings_keys or (self.key,):
                value = stored_keys(key).get(name)
                if value not in (None, ""):
                    return value
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

    @staticmethod
    def claim_subject(token: TokenSet, me: dict[str, Any], refused: str) -> str:
        """The connected account's id (``me["id"]``), kept as the token's subject; Refused with
        the message ``refused`` when the platform's answer names none."""
        ident = str(me.get("id") or "")
        if not ident:
            raise Refused(refused)
        token.subject = ident
        return ident

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

    # -- which provider serves a channel ---------------------------------------------------------

    @classmethod
    def serves(cls, options: dict[str, Any]) -> bool:
        """Whether this provider connected a channel with these options (X has two)."""
        return True

    @classmethod
    def for_channel(cls, options: dict[str, Any], credentials: dict[str, Any]) -> Provider:
        """The provider bound to a channel (Mastodon: to its server and app)."""
        return cls()


# -- finding a platform's provider ---------------------------------------------------------------

#: How each platform's accounts are connected, by dotted path; the first is the default (X also
#: connects with OAuth 1.0a). Platforms not named here connect with the adapter's credential form.
BUILTIN_PROVIDERS: dict[str, tuple[str, ...]] = {
    "mastodon": ("wagtail_crosspost.adapters.mastodon.connect.MastodonProvider",),
    "linkedin": ("wagtail_crosspost.adapters.linkedin.connect.LinkedInProvider",),
    "x": (
        "wagtail_crosspost.adapters.x.connect.XProvider",
        "wagtail_crosspost.adapters.x.connect.XOAuth1Provider",
    ),
    "facebook": ("wagtail_crosspost.adapters.meta.connect.FacebookProvider",),
    "instagram": ("wagtail_crosspost.adapters.meta.connect.InstagramProvider",),
    "threads": ("wagtail_crosspost.adapters.meta.connect.ThreadsProvider",),
}


@cache
def get_provider_classes(platform: str) -> tuple[type[Provider], ...]:
    """The connect providers of ``platform`` (empty when it has none)."""
    return tuple(import_string(path) for path in BUILTIN_PROVIDERS.get(platform, ()))


def connectable_platforms() -> tuple[str, ...]:
    """The platforms that have a connect provider."""
    return tuple(BUILTIN_PROVIDERS)


def providers_for(platform: str) -> list[Provider]:
    """Every way ``platform`` can be connected (X: OAuth 2.0 and OAuth 1.0a); [] for none."""
    return [cls() for cls in get_provider_classes(platform)]


def get_provider(platform: str, protocol: str = "") -> Provider:
    """The provider for ``platform`` (and ``protocol``, default the first); LookupError."""
    for provider in providers_for(platform):
        if not protocol or provider.protocol == protocol:
            return provider
    raise LookupError(f"{platform!r} cannot be connected with {protocol or 'OAuth'}.")


def provider_for(
    platform: str, options: dict[str, Any], credentials: dict[str, Any]
) -> Provider | None:
    """The provider that connected (or would connect) a channel with these options and
    credentials; None when the platform has no connect provider."""
    for cls in get_provider_classes(platform):
        if cls.serves(options):
            return cls.for_channel(options, credentials)
    return None


def provider_for_channel(channel: Any) -> Provider | None:
    """:func:`provider_for` a channel: anything with ``platform``, ``options`` and
    ``get_credentials()`` (the ``Channel`` row)."""
    return provider_for(channel.platform, dict(channel.options or {}), channel.get_credentials())
