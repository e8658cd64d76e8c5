"""LinkedIn's OAuth 2 connection: scopes, and the member's profile and Pages to post as."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext_lazy

from wagtail_crosspost.stored_messages import gettext as _

from ..oauth import Account, Client, Refused, TokenSet
from ..provider import Provider

logger = logging.getLogger(__name__)


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
        from .options import DEFAULT_VERSION

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
