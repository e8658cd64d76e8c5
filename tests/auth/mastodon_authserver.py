"""A strict fake of a Mastodon server's OAuth side: app registration, authorize, token, revoke,
and ``verify_credentials``.

As Mastodon documents it (MDOC ``content/en/methods/apps.md``, ``content/en/methods/oauth.md``,
platforms.md §1): ``POST /api/v1/apps`` registers a client with its redirect URIs and scopes and
answers its ``client_id`` and ``client_secret``; ``/oauth/authorize`` only accepts the registered
redirect URI and a subset of the registered scopes; PKCE S256 is required here (Mastodon ≥ 4.3
supports it; this fake insists, so a client that forgets the verifier fails); ``/oauth/token``
answers a token that never expires and no refresh token; ``/oauth/revoke`` needs the client's id
and secret. The OAuth protocol checks are oauthlib's (``WebApplicationServer``), as in
``authserver.py``; this file only says what differs.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from oauthlib.oauth2 import WebApplicationServer

from tests.auth.authserver import FakeAuthServer, Validator
from wagtail_crosspost.testing.fakeserver import RecordedRequest, Response

#: The scopes a Mastodon server knows (a subset of MDOC content/en/api/oauth-scopes.md).
KNOWN_SCOPES = frozenset(
    {
        "read",
        "write",
        "push",
        "follow",
        "profile",
        "read:accounts",
        "read:statuses",
        "write:statuses",
        "write:media",
        "write:accounts",
    }
)
ACCOUNT_SCOPES = frozenset({"read", "read:accounts", "profile"})


class MastodonValidator(Validator):
    """The apps registered on this server are the clients."""

    def authenticate_client(self, request, *args, **kwargs):
        app = self.fake.apps.get(request.client_id or "")
        if app is None or not request.client_secret:
            return False
        self.fake.client_auth_methods.append("body")
        if not secrets.compare_digest(app["client_secret"], request.client_secret):
            return False
        request.client = type("Client", (), {"client_id": request.client_id})()
        return True

    def validate_client_id(self, client_id, request, *args, **kwargs):
        return client_id in self.fake.apps

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return redirect_uri in self.fake.apps[client_id]["redirect_uris"]

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        return self.fake.apps[client_id]["redirect_uris"][0]

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return set(scopes) <= set(self.fake.apps[client_id]["scopes"])


class FakeMastodonAuth(FakeAuthServer):
    """One Mastodon server. ``apps`` (client id → app), ``registrations`` (how many apps were
    registered), ``accounts`` (user → account JSON); tokens live in ``access_tokens``."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.apps: dict[str, dict[str, Any]] = {}
        self.registrations = 0
        self.expires_in = 10 * 365 * 24 * 3600  # oauthlib needs one; Mastodon's never expire
        self.issue_refresh_token = False
        self.server = WebApplicationServer(
            MastodonValidator(self), token_expires_in=lambda request: self.expires_in
        )
        self.account = {
            "id": "109876543210",
            "username": "news",
            "acct": "news",
            "display_name": "Muster Maschinenbau",
        }
        self.token_scopes: dict[str, list[str]] = {}
        self.add_route("POST", r"/api/v1/apps", self.register_app)
        self.add_route("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials)
        # Read on connect: which software the server runs, and its limit.
        self.add_route("GET", r"/api/v2/instance", self.instance)
        self.add_route("GET", r"/\.well-known/nodeinfo", self.nodeinfo_index)
        self.add_route("GET", r"/nodeinfo/2\.0", self.nodeinfo)

    def instance(self, request: RecordedRequest) -> Any:
        return {"domain": "fake", "configuration": {"statuses": {"max_characters": 500}}}

    def nodeinfo_index(self, request: RecordedRequest) -> Any:
        rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
        return {"links": [{"rel": rel, "href": f"{self.url}/nodeinfo/2.0"}]}

    def nodeinfo(self, request: RecordedRequest) -> Any:
        return {"software": {"name": "mastodon", "version": "4.4.0"}}

    # -- registration ----------------------------------------------------------------------------

    def register_app(self, request: RecordedRequest) -> Any:
        name = request.value("client_name") or ""
        redirect_uris = (request.value("redirect_uris") or "").split()
        scopes = (request.value("scopes") or "read").split()
        if not name:
            return 422, {"error": "Validation failed: Application name can't be blank"}
        if not redirect_uris or not all(
            uri.startswith(("https://", "http://")) or uri == "urn:ietf:wg:oauth:2.0:oob"
            for uri in redirect_uris
        ):
            return 422, {"error": "Validation failed: Redirect URI must be an absolute URI."}
        if not set(scopes) <= KNOWN_SCOPES:
            return 422, {"error": "Validation failed: Scopes are invalid"}
        client_id = secrets.token_urlsafe(32)
        app = {
            "id": str(len(self.apps) + 1),
            "name": name,
            "website": request.value("website"),
            "scopes": scopes,
            "redirect_uri": "\n".join(redirect_uris),
            "redirect_uris": redirect_uris,
            "client_id": client_id,
            "client_secret": secrets.token_urlsafe(32),
            "client_secret_expires_at": 0,
        }
        self.apps[client_id] = app
        self.registrations += 1
        return {k: v for k, v in app.items()}

    @property
    def secrets_issued(self) -> list[str]:
        return super().secrets_issued + [app["client_secret"] for app in self.apps.values()]

    # -- token answers as Mastodon gives them ----------------------------------------------------

    def token(self, request: RecordedRequest) -> Response:
        response = super().token(request)
        if response.status != 200:
            return response
        body = json.loads(response.body)
        body.pop("expires_in", None)  # Mastodon tokens do not expire (platforms.md §1)
        body["created_at"] = int(time.time())
        self.token_scopes[body["access_token"]] = str(body.get("scope") or "").split()
        return Response.json(body)

    def verify_credentials(self, request: RecordedRequest) -> Any:
        token = request.bearer_token
        if self.live_user(request) is None:
            return 401, {"error": "The access token is invalid"}
        if not set(self.token_scopes.get(token, [])) & ACCOUNT_SCOPES:
            return 403, {"error": "This action is outside the authorized scopes"}
        return dict(self.account)
