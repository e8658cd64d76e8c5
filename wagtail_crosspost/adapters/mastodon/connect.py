"""Mastodon's OAuth connection: the site registers itself on the server the administrator
names."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ... import conf, crypto
from ..base import ConfigurationError
from ..http import HTTPClient, check_public_url
from ..oauth import Account, Client, Refused, TokenSet
from ..provider import Provider
from .rules import server_state, stored_option

logger = logging.getLogger(__name__)

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
        ident = self.claim_subject(
            token, me, _("Mastodon did not say which account was connected.")
        )
        host = urlsplit(self.server).hostname or ""
        username = str(me.get("acct") or me.get("username") or "")
        handle = f"@{username}" if "@" in username else f"@{username}@{host}"
        return [
            Account(
                id=ident,
                name=handle if username else ident,
                kind=str(_("Mastodon account")),
                detail=str(me.get("display_name") or ""),
                options={"server_url": self.server, "server_software": self.server_software()},
                credentials=dict(self.app),
            )
        ]

    def server_software(self) -> dict[str, Any]:
        """The server's software, version and limit (nodeinfo and the instance), read on
        connect; shown on the channel page and deciding how texts are counted."""
        state = server_state(HTTPClient(str(self.label)), self.server)
        return stored_option(state)

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
    def for_channel(cls, options: dict[str, Any], credentials: dict[str, Any]) -> MastodonProvider:
        server = str(options.get("server_url") or "").strip().rstrip("/")
        if server and "://" not in server:
            server = "https://" + server
        return cls(server, credentials)
