"""Shared HTTP plumbing: one session per adapter, timeouts, and the mapping of answers to errors.

Each platform module says only what differs (where the error text is, which rate-limit header it
sends); the translation of status codes and network failures into the adapter error classes lives
here once.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import requests

from wagtail_crosspost import conf
from wagtail_crosspost.stored_messages import gettext as _
from wagtail_crosspost.version import __version__

from . import gate
from .base import (
    AmbiguousError,
    AuthError,
    ConfigurationError,
    PermanentError,
    TransientError,
    UnreachableError,
)
from .redact import RewritingFilter
from .unreachable import unreachable_error

T = TypeVar("T")

USER_AGENT = f"wagtail-crosspost/{__version__} (+https://pypi.org/project/wagtail-crosspost/)"
MAX_ANSWER_BYTES = gate.MAX_ANSWER_BYTES
AnswerTooLarge = gate.AnswerTooLarge


def read_capped(response: requests.Response, limit: int | None = None) -> requests.Response:
    """Read a streamed response's body, at most ``limit`` bytes (default MAX_ANSWER_BYTES);
    raise AnswerTooLarge beyond."""
    return gate.keep_content(response, gate.capped_content(response, limit or MAX_ANSWER_BYTES))


# Headers that carry the moment or the delay after which a rate limit lifts, in the order tried.


def new_session(*, allow_private: bool | None = None) -> requests.Session:
    """A session whose every request goes through the outbound gate (``gate.py``)."""
    session = gate.guarded_session(allow_private=allow_private)
    session.headers["User-Agent"] = USER_AGENT
    return session


from .answers import (  # noqa: E402,F401  (re-exported: adapters import them from here)
    RATE_LIMIT_HEADERS,
    RAW_LIMIT,
    APIBaseOption,
    _never_sent,
    _readable,
    _safe_method,
    _seconds_from,
    _text,
    check_api_base,
    check_https_url,
    check_public_url,
    default_error_text,
    first_text,
    gone_status,
    health_from,
    json_dict,
    json_object,
    not_found,
    parse_retry_after,
    redact,
    response_body,
    trim,
    unless_gone,
    without_nul,
)


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

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool = False,
        max_bytes: int | None = None,
        expiring_key: bool = False,
        **kwargs: Any,
    ):
        """Send a request; return the response for 2xx, raise an adapter error otherwise.

        ``idempotent``: the request is safe to repeat (GET, DELETE, or a write carrying an
        idempotency key), so a timeout after sending is transient rather than ambiguous.
        ``expiring_key``: the write is a new post under a key the platform forgets after a while
        (Mastodon: an hour): an answer lost after sending is "maybe sent" all the same, so the
        outbox repeats it (same key) and notes when, and does not repeat it blindly once the
        platform has forgotten the key (issue 12).
        ``max_bytes``: a smaller cap than MAX_ANSWER_BYTES for the answer (AnswerTooLarge).
        """
        kwargs.setdefault("timeout", self.timeout)
        keyed_post = idempotent and expiring_key
        safe = not keyed_post and (
            idempotent or method.upper() in ("GET", "HEAD", "OPTIONS", "DELETE")
        )
        params = {"platform": self.platform}
        try:  # the address as typed: what the HTTP library normalises away is refused here
            gate.parse(url)
        except gate.Refused as refusal:
            raise ConfigurationError(self._scrub(refusal.message)) from None
        try:
            response = read_capped(
                self.session.request(method, url, stream=True, **kwargs), max_bytes
            )
        except gate.RequestRefused as exc:
            # Nothing was sent: the address is not one the gate connects to.
            if exc.temporary:
                raise TransientError(exc.message, raw=self._scrub(exc.message)) from None
            if exc.unresolved:  # the name is not known: a wrong address
                host = urlsplit(url).hostname or ""
                raise UnreachableError(self._scrub(exc.message), host=host) from None
            raise ConfigurationError(self._scrub(exc.message)) from None
        except gate.Unreachable as exc:  # refused, or no TLS: nothing was sent
            raise unreachable_error(exc, self._scrub(str(exc))) from None
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
            self._lost(
                exc,
                safe and (_safe_method(method) or not 200 <= status < 300),
                keyed=keyed_post,
            )
        except requests.exceptions.ConnectionError as exc:
            # A refused connection never reached the server; a reset after sending may have (so
            # it is never "could not reach").
            if _never_sent(exc):
                raise TransientError(
                    _("Could not reach %(platform)s. It will be tried again.") % params,
                    raw=self._scrub(str(exc)),
                ) from None
            self._lost(exc, safe, keyed=keyed_post)
        except requests.exceptions.Timeout as exc:
            if safe:
                raise TransientError(
                    _("%(platform)s took too long to answer. It will be tried again.") % params,
                    raw=self._scrub(str(exc)),
                ) from None
            if keyed_post:
                self._lost(exc, False, keyed=True)
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
            self._lost(exc, safe, keyed=keyed_post)
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

    def _lost(self, exc: Exception, safe: bool, *, keyed: bool = False) -> NoReturn:
        """The request reached the server and the answer was lost: for a write, "maybe sent"."""
        params = {"platform": self.platform}
        if safe:
            raise TransientError(
                _("The connection to %(platform)s broke. It will be tried again.") % params,
                raw=self._scrub(str(exc)),
            ) from None
        if keyed:
            raise AmbiguousError(
                _(
                    "The answer of %(platform)s was lost after the post was sent; it may have "
                    "been published. It will be sent again under the same key, which the server "
                    "recognises for a limited time."
                )
                % params,
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
        cleaned = redact(str(text), self.secrets)
        # Nothing to hide: a message keeps its code and values (stored_messages).
        return text if isinstance(text, str) and cleaned == text else cleaned

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


# -- secrets in third-party log lines ------------------------------------------------------------

_URL_SECRETS = (
    (re.compile(r"(access_token=)[^&\s\"']+"), r"\1[redacted]"),  # Meta: token in the query
    (re.compile(r"/bot[^/\s\"']+/"), "/bot[redacted]/"),  # Telegram: token in the path
)


class RedactURLSecrets(RewritingFilter):
    """urllib3 logs every request URL at DEBUG; some platforms put the token in it."""

    def rewrite(self, message: str) -> str:
        for pattern, replacement in _URL_SECRETS:
            message = pattern.sub(replacement, message)
        return message


def install_log_redaction() -> None:
    """Attach the filter to urllib3's loggers (filters on the emitting logger run first)."""
    names = [n for n in logging.root.manager.loggerDict if n.startswith("urllib3")]
    for name in {"urllib3", "urllib3.connectionpool", *names}:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactURLSecrets) for f in target.filters):
            target.addFilter(RedactURLSecrets())
