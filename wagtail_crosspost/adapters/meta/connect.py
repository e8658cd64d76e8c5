"""Meta's OAuth connections: Facebook Pages, Instagram business accounts (via Facebook) and
Threads profiles."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..oauth import Account, Client, TokenSet, expires_at
from ..provider import Provider

#: platforms.md §5: pin a Graph API version (the Meta adapters default to the same one).
META_API_VERSION = "v25.0"
THREADS_API_VERSION = "v1.0"  # platforms.md §7 endpoints

logger = logging.getLogger(__name__)


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
        ident = self.claim_subject(token, me, _("Threads did not say which account was connected."))
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
