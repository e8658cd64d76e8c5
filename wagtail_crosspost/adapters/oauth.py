"""The OAuth protocol pieces every platform shares: HTTP for the OAuth endpoints, the values they
return and the errors they raise, PKCE (RFC 7636) and OAuth 1.0a request signing.

Every message that leaves this module is a sentence for an administrator with every secret the
client knows (client secret, codes, tokens) scrubbed out.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import requests
from requests_oauthlib import OAuth1

from wagtail_crosspost.stored_messages import gettext as _

from .. import conf
from . import redact as _redact
from .gate import RequestRefused
from .http import new_session, read_capped, redact

# -- errors --------------------------------------------------------------------------------------


class OAuthError(Exception):
    """Base class; ``message`` is a sentence for the administrator, ``code`` the OAuth error."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.status = status


class Refused(OAuthError):
    """The platform said no (a 4xx answer): a spent code, a revoked refresh token, bad app keys."""


class Unavailable(OAuthError):
    """The platform could not be reached or had a problem (network, 5xx, 429): try again later."""


class FlowError(OAuthError):
    """The callback does not belong to a flow this session started (wrong, spent, expired)."""


# -- values --------------------------------------------------------------------------------------


@dataclass
class TokenSet:
    """What a token endpoint answered. ``repr`` never shows a token."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""
    token_secret: str = ""  # OAuth 1.0a
    subject: str = ""  # the platform's id of the person who authorised, where known
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at else "never/unknown"
        return f"<TokenSet expires_at={expires} refresh={'yes' if self.refresh_token else 'no'}>"

    __str__ = __repr__

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.access_token, self.refresh_token, self.token_secret) if s]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["expires_at"] = self.expires_at.timestamp() if self.expires_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        values = dict(data)
        expires = values.pop("expires_at", None)
        token = cls(**values)
        token.expires_at = datetime.fromtimestamp(float(expires), UTC) if expires else None
        return token

    @classmethod
    def from_answer(cls, answer: dict[str, Any], platform: str) -> TokenSet:
        """A token from an RFC 6749 §5.1 answer (``access_token``, ``expires_in`` …)."""
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise Refused(
                _("%(platform)s answered without an access token.") % {"platform": platform}
            )
        return cls(
            access_token=token,
            refresh_token=str(answer.get("refresh_token") or ""),
            expires_at=expires_at(answer.get("expires_in")),
            scope=str(answer.get("scope") or ""),
        )


def expires_at(expires_in: Any) -> datetime | None:
    """``expires_in`` seconds from now; None when absent, zero (Meta: never) or not a number."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.now(UTC) + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Account:
    """An account the connected person may post as: a member, a LinkedIn Page, a Facebook Page,
    an Instagram business account, an X or Threads user.

    ``options`` become the channel's options (which account it posts as); ``credentials`` are
    extra secrets for this account only (a Facebook Page's own token). ``repr`` hides them.
    """

    id: str
    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Account:
        return cls(**data)


# -- HTTP ----------------------------------------------------------------------------------------


def error_text(body: Any) -> tuple[str, str]:
    """(OAuth error code, description) from the error bodies the platforms send."""
    if not isinstance(body, dict):
        return "", (body[:300] if isinstance(body, str) else "")
    code = body.get("error")
    if isinstance(code, dict):  # Meta: {"error": {"message", "type", "code"}}
        return str(code.get("type") or code.get("code") or ""), str(code.get("message") or "")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):  # X
        return str(code or ""), str(errors[0].get("message") or errors[0].get("detail") or "")
    description = body.get("error_description") or body.get("message") or body.get("detail")
    return str(code or ""), str(description or "")


class Client:
    """One platform's OAuth HTTP calls, with timeouts and scrubbed errors."""

    def __init__(self, platform: str, secrets: list[str] | tuple[str, ...] = ()):
        self.platform = str(platform)
        self.session = new_session()
        self.secrets: list[str] = [s for s in secrets if s]

    def add_secret(self, *values: str) -> None:
        for value in values:
            if value and value not in self.secrets:
                self.secrets.append(value)

    def scrub(self, text: str) -> str:
        return _redact.redact_params(redact(str(text), self.secrets))

    def request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        """Send; return the JSON (or form-encoded) answer of a 2xx; raise Refused/Unavailable."""
        kwargs.setdefault("timeout", tuple(conf.get("HTTP_TIMEOUT")))
        kwargs.setdefault("allow_redirects", False)
        bearer = kwargs.pop("bearer", None)
        if bearer:
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {bearer}"
            kwargs["headers"] = headers
        params = {"platform": self.platform}
        try:
            response = read_capped(self.session.request(method, url, stream=True, **kwargs))
        except RequestRefused as exc:  # the outbound gate: an address it does not connect to
            raise Refused(self.scrub(exc.message)) from None
        except requests.RequestException as exc:  # AnswerTooLarge included
            raise Unavailable(
                _("Could not reach %(platform)s (%(error)s). Try again in a moment.")
                % {**params, "error": self.scrub(type(exc).__name__)}
            ) from None
        body = parse_body(response)
        if response.status_code < 300:
            return body if isinstance(body, dict) else {"data": body}
        code, description = error_text(body)
        detail = self.scrub(description or code or response.reason or "")
        params.update(status=str(response.status_code), detail=detail)
        if response.status_code == 429 or response.status_code >= 500:
            raise Unavailable(
                _("%(platform)s had a problem (HTTP %(status)s: %(detail)s). Try again later.")
                % params,
                code=code,
                status=response.status_code,
            )
        raise Refused(
            _("%(platform)s refused the request (HTTP %(status)s: %(detail)s).") % params,
            code=code,
            status=response.status_code,
        )


def parse_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        pass
    text = response.text or ""
    if "=" in text and "<" not in text:  # OAuth 1.0a and old endpoints answer form-encoded
        return dict(parse_qsl(text.strip()))
    return text[:300]


# -- PKCE (RFC 7636) and OAuth 1.0a signing ------------------------------------------------------


def new_verifier() -> str:
    """A PKCE code verifier: 86 characters from the unreserved set (RFC 7636 §4.1: 43–128)."""
    return secrets.token_urlsafe(64)


def challenge(verifier: str) -> str:
    """S256: BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth1_signer(credentials: dict[str, Any]) -> OAuth1:
    """requests auth that signs each request with the OAuth 1.0a user-context credentials."""
    return OAuth1(
        str(credentials.get("consumer_key") or ""),
        client_secret=str(credentials.get("consumer_secret") or ""),
        resource_owner_key=str(credentials.get("access_token") or ""),
        resource_owner_secret=str(credentials.get("access_token_secret") or ""),
        signature_type="AUTH_HEADER",
    )
