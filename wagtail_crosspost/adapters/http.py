"""Shared HTTP plumbing: one session per adapter, timeouts, and the mapping of answers to errors.

Each platform module says only what differs (where the error text is, which rate-limit header it
sends); the translation of status codes and network failures into the adapter error classes lives
here once.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _

from wagtail_crosspost import __version__, conf

from . import gate
from .base import (
    AdapterError,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    PermanentError,
    TransientError,
)

T = TypeVar("T")

USER_AGENT = f"wagtail-crosspost/{__version__} (+https://pypi.org/project/wagtail-crosspost/)"
RAW_LIMIT = 4000  # characters of a platform answer kept for the log
MAX_ANSWER_BYTES = gate.MAX_ANSWER_BYTES
AnswerTooLarge = gate.AnswerTooLarge


def read_capped(response: requests.Response, limit: int | None = None) -> requests.Response:
    """Read a streamed response's body, at most ``limit`` bytes (default MAX_ANSWER_BYTES);
    raise AnswerTooLarge beyond."""
    limit = limit or MAX_ANSWER_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise AnswerTooLarge(f"the answer declares {declared} bytes")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            response.close()
            raise AnswerTooLarge(f"the answer is over {limit} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]
    return response


# Headers that carry the moment or the delay after which a rate limit lifts, in the order tried.
RATE_LIMIT_HEADERS = (
    "Retry-After",
    "x-rate-limit-reset",  # X: epoch seconds
    "RateLimit-Reset",  # Bluesky: epoch seconds
    "X-RateLimit-Reset",  # Mastodon: ISO 8601 timestamp
)


def new_session(*, allow_private: bool | None = None) -> requests.Session:
    """A session whose every request goes through the outbound gate (``gate.py``)."""
    session = gate.guarded_session(allow_private=allow_private)
    session.headers["User-Agent"] = USER_AGENT
    return session


def parse_retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait, from whichever rate-limit header the platform sent.

    Accepts delta seconds, epoch seconds, HTTP dates and ISO 8601 timestamps. A value that is
    not a finite number or lies beyond ``WAGTAILCROSSPOST_RETRY_AFTER_MAX_SECONDS`` (24 h) is
    absurd: None, so the normal backoff applies.
    """
    now = time.time() if now is None else now
    for name in RATE_LIMIT_HEADERS:
        value = headers.get(name) if headers is not None else None
        if value in (None, ""):
            continue
        try:
            seconds = _seconds_from(str(value).strip()[:100], now)
        except (OverflowError, ValueError):
            seconds = None
        if seconds is None or not math.isfinite(seconds):
            continue
        if seconds > float(conf.get("RETRY_AFTER_MAX_SECONDS")):
            return None
        return max(0.0, seconds)
    return None


def _seconds_from(value: str, now: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # A number this large is an epoch timestamp, not a delay.
        return number - now if number > 1_000_000_000 else number
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        return parsed.timestamp() - now
    except (TypeError, ValueError, IndexError):
        pass
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # a timestamp without offset is UTC on the wire, not local time
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() - now


def check_public_url(url: str, *, allow_private: bool | None = None) -> str:
    """Return ``url`` if it is an http(s) address of a public host; raise ConfigurationError.

    The address is read as the HTTP library reads it (``gate.parse``): a user name, a password or
    a backslash in it is refused. Hosts that resolve to loopback, private, link-local or
    otherwise non-public addresses are refused (so a channel cannot make the server call itself
    or its network), unless ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` (or ``allow_private``) is
    true. This is the check for forms: a name that does not resolve right now passes here (an
    offline save, a split DNS), and the gate, which checks again when it connects and connects
    to the address it checked, refuses it then.
    """
    if allow_private is None:
        allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    try:
        if allow_private:
            gate.parse(url)
        else:
            gate.check_url(url, allow_private=False)
    except gate.Refused as refusal:
        if refusal.unresolved:
            return url
        raise ConfigurationError(refusal.message) from None
    return url


def trim(raw: Any) -> Any:
    """Keep a platform answer small enough for the log."""
    text = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    if len(text) <= RAW_LIMIT:
        return raw
    return text[:RAW_LIMIT] + "…"


def response_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return trim(response.text)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


class HTTPClient:
    """Performs requests for one adapter and raises the contract's errors.

    ``error_text`` extracts the platform's own message from an error body; ``secrets`` are
    scrubbed from every message and raw answer that leaves this class.
    """

    def __init__(
        self,
        platform_label: str,
        *,
        error_text: Callable[[Any], str] | None = None,
        secrets: Iterable[str] = (),
        timeout: tuple[float, float] | None = None,
        auth_statuses: tuple[int, ...] = (401,),
        json_answers: bool = True,
    ):
        #: The platform answers writes with JSON: a 2xx whose body is not JSON is unreadable.
        self.json_answers = json_answers
        self.platform = str(platform_label)
        self.session = new_session()
        self.error_text = error_text or default_error_text
        self.secrets = [s for s in secrets if s]
        self.timeout = timeout or tuple(conf.get("HTTP_TIMEOUT"))
        self.auth_statuses = auth_statuses

    def request(self, method: str, url: str, *, idempotent: bool = False, **kwargs: Any):
        """Send a request; return the response for 2xx, raise an adapter error otherwise.

        ``idempotent``: the request is safe to repeat (GET, DELETE, or a write carrying an
        idempotency key), so a timeout after sending is transient rather than ambiguous.
        """
        kwargs.setdefault("timeout", self.timeout)
        safe = idempotent or method.upper() in ("GET", "HEAD", "OPTIONS", "DELETE")
        params = {"platform": self.platform}
        try:  # the address as typed: what the HTTP library normalises away is refused here
            gate.parse(url)
        except gate.Refused as refusal:
            raise ConfigurationError(self._scrub(refusal.message)) from None
        try:
            response = read_capped(self.session.request(method, url, stream=True, **kwargs))
        except gate.RequestRefused as exc:
            # Nothing was sent: the address is not one the gate connects to.
            if exc.temporary:
                raise TransientError(exc.message, raw=self._scrub(exc.message)) from None
            raise ConfigurationError(self._scrub(exc.message)) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as exc:
            raise ConfigurationError(
                _("The address %(url)s cannot be used: %(error)s")
                % {"url": self._scrub(url), "error": self._scrub(str(exc))}
            ) from None
        except AnswerTooLarge as exc:
            # It answered, so the request arrived: for a write, the post may have been made.
            error = TransientError if safe else AmbiguousError
            raise error(
                _(
                    "%(platform)s sent an answer too large to read (over %(limit)s MB), so it is "
                    "unclear whether the request worked."
                )
                % {**params, "limit": max(1, MAX_ANSWER_BYTES // 1_000_000)},
                raw=self._scrub(str(exc)),
            ) from None
        except requests.exceptions.SSLError as exc:
            # The handshake comes before the request: nothing was sent (a TLS failure while
            # the answer is read arrives as gate.AnswerLost instead).
            if "CERTIFICATE_VERIFY_FAILED" not in str(exc):
                raise TransientError(
                    _("Could not reach %(platform)s. It will be tried again.") % params,
                    raw=self._scrub(str(exc)),
                ) from None
            raise ConfigurationError(
                _(
                    "The server of %(platform)s did not prove its identity (its TLS "
                    "certificate could not be verified), so nothing was sent."
                )
                % params,
                raw=self._scrub(str(exc)),
            ) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientError(
                _("%(platform)s did not answer in time; nothing was sent.") % params,
                raw=self._scrub(str(exc)),
            ) from None
        except gate.AnswerLost as exc:
            # The server answered (the request arrived), then the answer was cut off. A yes
            # (2xx) to a write is "maybe sent" even with a key: the outbox notes when.
            status = getattr(exc.response, "status_code", 0) or 0
            self._lost(exc, safe and (_safe_method(method) or not 200 <= status < 300))
        except requests.exceptions.ConnectionError as exc:
            # A refused connection never reached the server; a reset after sending may have.
            if _never_sent(exc) or safe:
                raise TransientError(
                    _("Could not reach %(platform)s. It will be tried again.") % params,
                    raw=self._scrub(str(exc)),
                ) from None
            self._lost(exc, safe)
        except requests.exceptions.Timeout as exc:
            if safe:
                raise TransientError(
                    _("%(platform)s took too long to answer. It will be tried again.") % params,
                    raw=self._scrub(str(exc)),
                ) from None
            raise AmbiguousError(
                _(
                    "%(platform)s did not answer in time after the post was sent; it may or may "
                    "not have been published. Check the account before posting again."
                )
                % params,
                raw=self._scrub(str(exc)),
            ) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            self._lost(exc, safe)
        except requests.exceptions.RequestException as exc:
            raise PermanentError(
                _("The request to %(platform)s could not be made: %(error)s")
                % {**params, "error": self._scrub(str(exc))},
            ) from None
        if 300 <= response.status_code < 400:
            location = self._scrub(response.headers.get("Location", ""))[:300]
            raise PermanentError(
                _(
                    "%(platform)s answered with a redirect (HTTP %(status)s) to “%(location)s”. "
                    "wagtail-crosspost follows no redirects: check the server address."
                )
                % {**params, "status": response.status_code, "location": location},
                raw={"status": response.status_code, "location": location},
                status_code=response.status_code,
            )
        if response.status_code < 300:
            if self.json_answers and not _safe_method(method) and not _readable(response):
                # The platform said yes, but we cannot read what it made: the post may exist. Even
                # with a key this is "maybe sent", so the outbox notes when (keys expire).
                raise AmbiguousError(
                    _(
                        "%(platform)s accepted the request but its answer could not be read; "
                        "the post may or may not have been published."
                    )
                    % params,
                    raw={"status": response.status_code, "body": self._scrub_raw(_text(response))},
                    status_code=response.status_code,
                )
            return response
        self.raise_for_status(response)
        return response  # pragma: no cover - raise_for_status always raises here

    def _lost(self, exc: Exception, safe: bool) -> NoReturn:
        """The request reached the server and the answer was lost: for a write, "maybe sent"."""
        params = {"platform": self.platform}
        if safe:
            raise TransientError(
                _("The connection to %(platform)s broke. It will be tried again.") % params,
                raw=self._scrub(str(exc)),
            ) from None
        raise AmbiguousError(
            _(
                "The connection to %(platform)s broke after the post was sent; it may or may "
                "not have been published. Check the account before posting again."
            )
            % params,
            raw=self._scrub(str(exc)),
        ) from None

    def raise_for_status(self, response: requests.Response) -> None:
        body = response_body(response)
        detail = self._scrub(self.error_text(body) or response.reason or "")
        raw = {"status": response.status_code, "body": self._scrub_raw(body)}
        status = response.status_code
        params = {"platform": self.platform, "status": status, "detail": detail}
        if status in self.auth_statuses:
            raise AuthError(
                _(
                    "%(platform)s refused the channel's credentials (%(detail)s). "
                    "Reconnect the channel in Settings → Social channels."
                )
                % params,
                raw=raw,
                status_code=status,
            )
        if status == 429:
            raise TransientError(
                _("%(platform)s asks us to slow down (rate limit). It will be tried again.")
                % params,
                retry_after=parse_retry_after(response.headers),
                raw=raw,
                status_code=status,
            )
        if status >= 500 or status in (408, 425):
            raise TransientError(
                _(
                    "%(platform)s had a problem (HTTP %(status)s: %(detail)s). "
                    "It will be tried again."
                )
                % params,
                retry_after=parse_retry_after(response.headers),
                raw=raw,
                status_code=status,
            )
        raise PermanentError(
            _("%(platform)s refused the post (HTTP %(status)s): %(detail)s") % params,
            raw=raw,
            status_code=status,
        )

    def _scrub(self, text: str) -> str:
        return redact(str(text), self.secrets)

    def _scrub_raw(self, body: Any) -> Any:
        if not self.secrets:
            return trim(body)
        text = json.dumps(body, default=str) if not isinstance(body, str) else body
        cleaned = redact(text, self.secrets)
        if isinstance(body, str):
            return trim(cleaned)
        try:
            return trim(json.loads(cleaned))
        except ValueError:
            return trim(cleaned)


def default_error_text(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("error_description", "message", "error", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    if isinstance(body, str):
        return body[:300]
    return ""


def _safe_method(method: str) -> bool:
    return method.upper() in ("GET", "HEAD", "OPTIONS")


def _text(response: requests.Response) -> str:
    try:
        return response.content.decode("utf-8", "replace")
    except Exception:
        return ""


def _readable(response: requests.Response) -> bool:
    """An empty answer (204, or 201 with a header) or a JSON one."""
    content = response.content or b""
    if not content.strip():
        return True
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    text = repr(exc)
    return any(
        marker in text
        for marker in (
            "NewConnectionError",
            "Connection refused",
            "Name or service not known",
            "Failed to resolve",
            "NameResolutionError",
        )
    )


def check_api_base(value: Any, default: str) -> str:
    """The platform's API base URL: ``default``, or a channel's ``api_base`` override.

    An override (a proxy, a test server) must be https, and public, unless
    ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` is set; a trailing slash is dropped.
    """
    url = str(value or "").strip().rstrip("/")
    if not url:
        return default
    allow_private = bool(conf.get("ALLOW_PRIVATE_URLS"))
    if urlsplit(url).scheme.lower() != "https" and not allow_private:
        raise ConfigurationError(
            _("The API address “%(url)s” must start with https://.") % {"url": url}
        )
    return check_public_url(url, allow_private=allow_private)


# -- shapes every adapter shares -----------------------------------------------------------------


def health_from(probe: Callable[[], Health | str]) -> Health:
    """``check()``: run ``probe`` (it names the account, or returns a Health of its own). A
    refused credential means the channel needs reconnecting; any other adapter error is a failed
    check with the platform's sentence."""
    try:
        result = probe()
    except AuthError as error:
        return Health(ok=False, detail=error.message, needs_reconnect=True)
    except AdapterError as error:
        return Health(ok=False, detail=error.message)
    return result if isinstance(result, Health) else Health(ok=True, detail=str(result))


def unless_gone(call: Callable[[], T], gone: Callable[[PermanentError], bool]) -> T | None:
    """Run a delete; a refusal that ``gone`` reads as "no such post" is what a delete wants, so it
    returns None instead of raising."""
    try:
        return call()
    except PermanentError as error:
        if gone(error):
            return None
        raise


def gone_status(error: PermanentError) -> bool:
    """HTTP 404 or 410: the post no longer exists."""
    return error.status_code in (404, 410)


def json_object(response: Any) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def first_text(body: Any, keys: Iterable[str]) -> str:
    """The first non-empty string among ``keys`` of an error body (a plain-text body: its start)."""
    if isinstance(body, dict):
        for key in keys:
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
        return ""
    return body[:300] if isinstance(body, str) else ""


# -- secrets in third-party log lines ------------------------------------------------------------

_URL_SECRETS = (
    (re.compile(r"(access_token=)[^&\s\"']+"), r"\1[redacted]"),  # Meta: token in the query
    (re.compile(r"/bot[^/\s\"']+/"), "/bot[redacted]/"),  # Telegram: token in the path
)


class RedactURLSecrets(logging.Filter):
    """urllib3 logs every request URL at DEBUG; some platforms put the token in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = message
        for pattern, replacement in _URL_SECRETS:
            cleaned = pattern.sub(replacement, cleaned)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction() -> None:
    """Attach the filter to urllib3's loggers (filters on the emitting logger run first)."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith("urllib3")]
    for name in {"urllib3", "urllib3.connectionpool", *names}:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactURLSecrets) for f in target.filters):
            target.addFilter(RedactURLSecrets())
