"""A local authorization server for the connect flows, built on ``FakeServer``.

The OAuth protocol itself is validated by oauthlib's server side, not by hand: OAuth 2 through
``WebApplicationServer`` (PKCE S256 required and checked against the verifier, single-use codes,
``redirect_uri`` matching the authorization request and the registered one, client
authentication by HTTP Basic or form body, refresh-token rotation, RFC 7009 revocation) and
OAuth 1.0a through oauthlib's request-token / authorization / access-token / resource endpoints
(HMAC-SHA1 signatures checked with the consumer and token secrets, nonces single use).

Around it sit the platform-specific parts the providers call: Meta's GET token exchange and
``fb_exchange_token``, Threads' ``th_exchange_token`` and ``th_refresh_token``, and the account
listings (LinkedIn ``userinfo``/``organizationAcls``/``organizations``, X ``/2/users/me``, Meta
``/me/accounts``, Threads ``/me``), all requiring a live bearer token.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from oauthlib import oauth1
from oauthlib.common import generate_token
from oauthlib.oauth2 import RequestValidator, WebApplicationServer
from oauthlib.oauth2.rfc6749.errors import FatalClientError, OAuth2Error

from wagtail_crosspost.testing.fakeserver import FakeServer, RecordedRequest, Response

REDIRECT_URI = "http://testserver/admin/crosspost/connect/callback/"
USER = "member-1"

CLIENTS = {
    # client id → secret, one app per platform (so a leaked secret is attributable)
    "linkedin-app-id": "linkedin-app-SECRET-0001",
    "x-app-id": "x-app-SECRET-0002",
    "meta-app-id": "meta-app-SECRET-0003",
    "threads-app-id": "threads-app-SECRET-0004",
}
CONSUMER_KEY = "xconsumerkey0000000000001"  # oauthlib wants 20–30 safe characters
CONSUMER_SECRET = "x-consumer-SECRET-0005"


class Validator(RequestValidator):
    """oauthlib's questions, answered from the fake's state."""

    def __init__(self, fake: FakeAuthServer):
        self.fake = fake

    # clients
    def client_authentication_required(self, request, *args, **kwargs):
        return True

    def authenticate_client(self, request, *args, **kwargs):
        client_id, secret = None, None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = decoded.partition(":")
            self.fake.client_auth_methods.append("basic")
        elif request.client_secret:
            client_id, secret = request.client_id, request.client_secret
            self.fake.client_auth_methods.append("body")
        if client_id in CLIENTS and secrets.compare_digest(CLIENTS[client_id], secret or ""):
            request.client_id = client_id
            request.client = type("Client", (), {"client_id": client_id})()
            return True
        return False

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        return False  # public clients are not registered here

    def validate_client_id(self, client_id, request, *args, **kwargs):
        return client_id in CLIENTS

    # authorization request
    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return redirect_uri == self.fake.registered_redirect_uri

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        return self.fake.registered_redirect_uri

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        return response_type == "code"

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return []

    def is_pkce_required(self, client_id, request):
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.fake.codes[code["code"]] = {
            "client_id": client_id,
            "redirect_uri": request.redirect_uri,
            "scopes": request.scopes,
            "challenge": request.code_challenge,
            "method": request.code_challenge_method,
            "user": request.user,
            "used": False,
        }

    # token request
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        entry = self.fake.codes.get(code)
        if entry is None or entry["used"] or entry["client_id"] != client_id:
            return False
        request.user = entry["user"]
        request.scopes = entry["scopes"]
        return True

    def get_code_challenge(self, code, request):
        entry = self.fake.codes.get(code)
        return entry["challenge"] if entry else None

    def get_code_challenge_method(self, code, request):
        entry = self.fake.codes.get(code)
        return entry["method"] if entry else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *a, **kw):
        entry = self.fake.codes.get(code)
        return entry is not None and entry["redirect_uri"] == redirect_uri

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ("authorization_code", "refresh_token")

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.fake.codes[code]["used"] = True

    def save_bearer_token(self, token, request, *args, **kwargs):
        fake = self.fake
        if not fake.issue_refresh_token:
            token.pop("refresh_token", None)
        fake.access_tokens[token["access_token"]] = {
            "user": request.user,
            "client_id": request.client_id,
            "expires": time.time() + int(token.get("expires_in") or 3600),
            "revoked": False,
        }
        if token.get("refresh_token"):
            fake.refresh_tokens[token["refresh_token"]] = {
                "user": request.user,
                "client_id": request.client_id,
                "scopes": request.scopes,
                "revoked": False,
            }
        if request.grant_type == "refresh_token" and fake.rotate_refresh_tokens:
            old = fake.refresh_tokens.get(request.refresh_token)
            if old is not None and token.get("refresh_token"):
                old["revoked"] = True
        fake.issued.append(dict(token))

    # refresh
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        entry = self.fake.refresh_tokens.get(refresh_token)
        if entry is None or entry["revoked"] or entry["client_id"] != client.client_id:
            return False
        request.user = entry["user"]
        return True

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        return self.fake.refresh_tokens[refresh_token]["scopes"]

    def rotate_refresh_token(self, request):
        return self.fake.rotate_refresh_tokens

    # revocation
    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        self.fake.revoked.append(token)
        for table in (self.fake.access_tokens, self.fake.refresh_tokens):
            if token in table:
                table[token]["revoked"] = True


class OAuth1Validator(oauth1.RequestValidator):
    """oauthlib's OAuth 1.0a questions (X's three-legged flow)."""

    enforce_ssl = False

    def __init__(self, fake: FakeAuthServer):
        super().__init__()
        self.fake = fake

    @property
    def dummy_client(self):
        return "dummyclientkey0000000000"

    @property
    def dummy_request_token(self):
        return "dummyrequesttoken00000000"

    @property
    def dummy_access_token(self):
        return "dummyaccesstoken000000000"

    def validate_client_key(self, client_key, request):
        return client_key == CONSUMER_KEY

    def get_client_secret(self, client_key, request):
        return CONSUMER_SECRET if client_key == CONSUMER_KEY else "dummy-secret"

    def validate_timestamp_and_nonce(
        self, client_key, timestamp, nonce, request, request_token=None, access_token=None
    ):
        key = (client_key, timestamp, nonce, request_token, access_token)
        if key in self.fake.nonces:
            return False
        self.fake.nonces.add(key)
        return True

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        return redirect_uri == self.fake.registered_redirect_uri

    def get_default_realms(self, client_key, request):
        return []

    def save_request_token(self, token, request):
        self.fake.request_tokens[token["oauth_token"]] = {
            "secret": token["oauth_token_secret"],
            "callback": request.redirect_uri,
            "verifier": None,
        }

    def get_realms(self, token, request):
        return []

    def get_redirect_uri(self, token, request):
        return self.fake.request_tokens[token]["callback"]

    def verify_request_token(self, token, request):
        return token in self.fake.request_tokens

    def save_verifier(self, token, verifier, request):
        self.fake.request_tokens[token]["verifier"] = verifier["oauth_verifier"]

    def get_request_token_secret(self, client_key, token, request):
        entry = self.fake.request_tokens.get(token)
        return entry["secret"] if entry else "dummy-secret"

    def validate_request_token(self, client_key, token, request):
        return token in self.fake.request_tokens

    def validate_verifier(self, client_key, token, verifier, request):
        entry = self.fake.request_tokens.get(token)
        return bool(
            entry and entry["verifier"] and secrets.compare_digest(entry["verifier"], verifier)
        )

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    def invalidate_request_token(self, client_key, request_token, request):
        self.fake.request_tokens.pop(request_token, None)

    def save_access_token(self, token, request):
        self.fake.oauth1_tokens[token["oauth_token"]] = {
            "secret": token["oauth_token_secret"],
            "revoked": False,
        }
        self.fake.issued.append(dict(token))

    def get_access_token_secret(self, client_key, token, request):
        entry = self.fake.oauth1_tokens.get(token)
        return entry["secret"] if entry else "dummy-secret"

    def validate_access_token(self, client_key, token, request):
        entry = self.fake.oauth1_tokens.get(token)
        return bool(entry and not entry["revoked"])


class FakeAuthServer(FakeServer):
    """Authorization server plus the account-listing endpoints of each platform."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.registered_redirect_uri = REDIRECT_URI
        self.expires_in = 3600
        self.issue_refresh_token = True
        self.rotate_refresh_tokens = True
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.revoked: list[str] = []
        self.issued: list[dict[str, Any]] = []
        self.client_auth_methods: list[str] = []
        self.nonces: set[tuple] = set()
        self.request_tokens: dict[str, dict[str, Any]] = {}
        self.oauth1_tokens: dict[str, dict[str, Any]] = {}
        self.oauth1_invalidated: list[str] = []
        self.organizations = {"5515715": "Muster Maschinenbau GmbH", "777": "Other Org AG"}
        self.org_roles = [
            ("5515715", "ADMINISTRATOR"),
            ("777", "ANALYST"),  # may not post: not offered
        ]
        self.pages = [
            {
                "id": "1001",
                "name": "Muster Maschinen",
                "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                "ig": {"id": "17841400000000001", "username": "muster.maschinen"},
            },
            {"id": "1002", "name": "Read-only Page", "tasks": ["ANALYZE"], "ig": None},
        ]
        self.page_tokens: dict[str, str] = {}
        self.server = WebApplicationServer(
            Validator(self), token_expires_in=lambda request: self.expires_in
        )
        validator1 = OAuth1Validator(self)
        self.request_token_endpoint = oauth1.RequestTokenEndpoint(validator1)
        self.authorization_endpoint1 = oauth1.AuthorizationEndpoint(validator1)
        self.access_token_endpoint = oauth1.AccessTokenEndpoint(validator1)
        self.resource_endpoint1 = oauth1.ResourceEndpoint(validator1)
        routes = [
            ("GET", r"/oauth/authorize", self.authorize),
            ("POST", r"/oauth/token", self.token),
            ("POST", r"/oauth/revoke", self.revoke),
            ("GET", r"/graph/oauth/access_token", self.meta_token),
            ("GET", r"/graph/v25\.0/me", self.meta_me),
            ("GET", r"/graph/v25\.0/me/accounts", self.meta_accounts),
            ("GET", r"/threads/access_token", self.threads_exchange),
            ("GET", r"/threads/refresh_access_token", self.threads_refresh),
            ("GET", r"/threads/v1\.0/me", self.threads_me),
            ("GET", r"/li/v2/userinfo", self.li_userinfo),
            ("GET", r"/li/rest/organizationAcls", self.li_acls),
            ("GET", r"/li/rest/organizations/(?P<org>\d+)", self.li_org),
            ("GET", r"/x/2/users/me", self.x_me),
            ("POST", r"/oauth1/request_token", self.oauth1_request_token),
            ("GET", r"/oauth1/authorize", self.oauth1_authorize),
            ("POST", r"/oauth1/access_token", self.oauth1_access_token),
            ("POST", r"/oauth1/invalidate_token", self.oauth1_invalidate),
        ]
        for method, pattern, handler in routes:
            self.add_route(method, pattern, handler)

    # -- helpers ---------------------------------------------------------------------------------

    def uri(self, request: RecordedRequest) -> str:
        query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        return self.url + request.path + (f"?{query}" if query else "")

    @staticmethod
    def answer(headers: dict, body: str | None, status: int) -> Response:
        headers = {k: v for k, v in (headers or {}).items()}
        headers.setdefault("Content-Type", "application/json")
        return Response(status, (body or "").encode(), headers)

    def live_user(self, request: RecordedRequest, token: str | None = None) -> str | None:
        token = token or request.bearer_token or request.value("access_token") or ""
        entry = self.access_tokens.get(token)
        if entry is None or entry["revoked"] or entry["expires"] < time.time():
            return None
        return entry["user"]

    @staticmethod
    def unauthorized() -> Response:
        return Response.json({"error": {"message": "Invalid OAuth access token", "code": 190}}, 401)

    def mint(self, user: str, client_id: str, expires_in: int) -> str:
        token = generate_token(40)
        self.access_tokens[token] = {
            "user": user,
            "client_id": client_id,
            "expires": time.time() + expires_in,
            "revoked": False,
        }
        self.issued.append({"access_token": token})
        return token

    @property
    def secrets_issued(self) -> list[str]:
        values = []
        for token in self.issued:
            for key in ("access_token", "refresh_token", "oauth_token", "oauth_token_secret"):
                if token.get(key):
                    values.append(token[key])
        return values + list(self.page_tokens.values())

    # -- OAuth 2 (oauthlib) ----------------------------------------------------------------------

    def authorize(self, request: RecordedRequest) -> Response:
        uri = self.uri(request)
        try:
            scopes, credentials = self.server.validate_authorization_request(uri, "GET")
        except FatalClientError as error:  # bad client or redirect_uri: never redirect
            return Response.json(
                {"error": error.error, "error_description": error.description}, 400
            )
        except OAuth2Error as error:
            return Response(302, b"", {"Location": error.in_uri(error.redirect_uri)})
        credentials.pop("request", None)
        credentials["user"] = USER
        headers, body, status = self.server.create_authorization_response(
            uri, "GET", None, None, scopes, credentials
        )
        return self.answer(headers, body, status)

    def token(self, request: RecordedRequest) -> Response:
        headers, body, status = self.server.create_token_response(
            self.url + request.path, "POST", request.body.decode(), dict(request.headers)
        )
        return self.answer(headers, body, status)

    def revoke(self, request: RecordedRequest) -> Response:
        headers, body, status = self.server.create_revocation_response(
            self.url + request.path, "POST", request.body.decode(), dict(request.headers)
        )
        return self.answer(headers, body or "{}", status)

    # -- Meta ------------------------------------------------------------------------------------

    def meta_token(self, request: RecordedRequest) -> Response:
        """Meta documents the code exchange as GET; the grant is still checked by oauthlib."""
        if request.value("grant_type") == "fb_exchange_token":
            client_id = request.value("client_id") or ""
            if CLIENTS.get(client_id) != request.value("client_secret"):
                return Response.json(
                    {"error": {"message": "Invalid client_secret", "code": 1}}, 400
                )
            user = self.live_user(request, request.value("fb_exchange_token"))
            if user is None:
                return self.unauthorized()
            token = self.mint(user, client_id, 5_183_944)
            return Response.json(
                {"access_token": token, "token_type": "bearer", "expires_in": 5_183_944}
            )
        body = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
        if "grant_type" not in request.query:
            body += "&grant_type=authorization_code"
        headers, text, status = self.server.create_token_response(
            self.url + request.path,
            "POST",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return self.answer(headers, text, status)

    def meta_me(self, request: RecordedRequest) -> Response:
        user = self.live_user(request)
        return self.unauthorized() if user is None else Response.json({"id": "fb-" + user})

    def meta_accounts(self, request: RecordedRequest) -> Response:
        user = self.live_user(request)
        if user is None:
            return self.unauthorized()
        data = []
        for page in self.pages:
            token = self.page_tokens.setdefault(page["id"], "EAA-page-" + generate_token(30))
            entry: dict[str, Any] = {
                "id": page["id"],
                "name": page["name"],
                "access_token": token,
                "tasks": page["tasks"],
            }
            if page.get("ig"):
                entry["instagram_business_account"] = page["ig"]
            data.append(entry)
        return Response.json({"data": data, "paging": {"cursors": {}}})

    # -- Threads ---------------------------------------------------------------------------------

    def threads_exchange(self, request: RecordedRequest) -> Response:
        if request.value("grant_type") != "th_exchange_token":
            return Response.json({"error": {"message": "Unsupported grant_type"}}, 400)
        if request.value("client_secret") != CLIENTS["threads-app-id"]:
            return Response.json({"error": {"message": "Invalid client_secret"}}, 400)
        user = self.live_user(request)
        if user is None:
            return self.unauthorized()
        token = self.mint(user, "threads-app-id", 5_183_944)
        return Response.json(
            {"access_token": token, "token_type": "bearer", "expires_in": 5_183_944}
        )

    def threads_refresh(self, request: RecordedRequest) -> Response:
        if request.value("grant_type") != "th_refresh_token":
            return Response.json({"error": {"message": "Unsupported grant_type"}}, 400)
        user = self.live_user(request)
        if user is None:
            return self.unauthorized()
        token = self.mint(user, "threads-app-id", 5_183_944)
        return Response.json(
            {"access_token": token, "token_type": "bearer", "expires_in": 5_183_944}
        )

    def threads_me(self, request: RecordedRequest) -> Response:
        user = self.live_user(request)
        if user is None:
            return self.unauthorized()
        return Response.json({"id": "th-" + user, "username": "muster_threads"})

    # -- LinkedIn --------------------------------------------------------------------------------

    def _li_user(self, request: RecordedRequest) -> str | None:
        if request.value("access_token"):
            return None  # LinkedIn takes the token only as a bearer header
        return self.live_user(request)

    def li_userinfo(self, request: RecordedRequest) -> Response:
        user = self._li_user(request)
        if user is None:
            return Response.json({"status": 401, "message": "Invalid access token"}, 401)
        return Response.json({"sub": "AbC123xYz", "name": "Erika Mustermann"})

    def li_acls(self, request: RecordedRequest) -> Response:
        user = self._li_user(request)
        if user is None:
            return Response.json({"status": 401, "message": "Invalid access token"}, 401)
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0" or not request.headers.get(
            "LinkedIn-Version"
        ):
            return Response.json({"status": 400, "message": "missing protocol headers"}, 400)
        if request.value("q") != "roleAssignee":
            return Response.json({"status": 400, "message": "unknown finder"}, 400)
        return Response.json(
            {
                "elements": [
                    {
                        "roleAssignee": "urn:li:person:AbC123xYz",
                        "role": role,
                        "state": "APPROVED",
                        "organization": f"urn:li:organization:{org}",
                    }
                    for org, role in self.org_roles
                ]
            }
        )

    def li_org(self, request: RecordedRequest, org: str) -> Response:
        if self._li_user(request) is None:
            return Response.json({"status": 401, "message": "Invalid access token"}, 401)
        if org not in self.organizations:
            return Response.json({"status": 404, "message": "Not found"}, 404)
        return Response.json({"id": int(org), "localizedName": self.organizations[org]})

    # -- X ---------------------------------------------------------------------------------------

    def x_me(self, request: RecordedRequest) -> Response:
        user = self.live_user(request, request.bearer_token)
        if user is None:
            return Response.json(
                {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, 401
            )
        return Response.json({"data": {"id": "2244994945", "name": "Muster", "username": "muster"}})

    # -- OAuth 1.0a (oauthlib) -------------------------------------------------------------------

    def oauth1_request_token(self, request: RecordedRequest) -> Response:
        headers, body, status = self.request_token_endpoint.create_request_token_response(
            self.uri(request), "POST", request.body.decode() or None, dict(request.headers)
        )
        return Response(
            status, (body or "").encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def oauth1_authorize(self, request: RecordedRequest) -> Response:
        headers, body, status = self.authorization_endpoint1.create_authorization_response(
            self.uri(request), "GET", None, None, credentials={"user": USER}
        )
        return Response(status, (body or "").encode(), dict(headers or {}))

    def oauth1_access_token(self, request: RecordedRequest) -> Response:
        headers, body, status = self.access_token_endpoint.create_access_token_response(
            self.uri(request),
            "POST",
            request.body.decode() or None,
            dict(request.headers),
            credentials={"user_id": "2244994945", "screen_name": "muster"},
        )
        return Response(
            status, (body or "").encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def oauth1_invalidate(self, request: RecordedRequest) -> Response:
        valid, oauth_request = self.resource_endpoint1.validate_protected_resource_request(
            self.uri(request), "POST", request.body.decode() or None, dict(request.headers)
        )
        if not valid:
            return Response.json(
                {"errors": [{"code": 89, "message": "Invalid or expired token."}]}, 401
            )
        token = oauth_request.resource_owner_key
        self.oauth1_tokens[token]["revoked"] = True
        self.oauth1_invalidated.append(token)
        return Response.json({"access_token": token})
