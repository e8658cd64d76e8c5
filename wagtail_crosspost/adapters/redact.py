"""Keep tokens out of the log.

urllib3 logs every request line at DEBUG, query string included (Meta's and Threads' token
exchanges carry ``client_secret`` and ``access_token`` there, as Meta documents them). oauthlib and
requests-oauthlib log OAuth 1.0a token answers, signing parameters and request tokens at DEBUG.
Installing the filters below (once, on import) redacts the former and drops the latter's DEBUG
records: they are protocol internals that always carry credentials.
"""

from __future__ import annotations

import logging
import re

#: Query/form parameters whose values are credentials.
SENSITIVE_PARAMS = (
    "access_token",
    "refresh_token",
    "client_secret",
    "fb_exchange_token",
    "code",
    "code_verifier",
    "oauth_token",
    "oauth_token_secret",
    "oauth_verifier",
    "oauth_signature",
    "input_token",
    "token",
)
_PARAM_RE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(SENSITIVE_PARAMS) + r")=[^&\s\"']+")

#: Loggers of the OAuth libraries whose DEBUG lines print credentials.
OAUTH_LIBRARY_LOGGERS = (
    "oauthlib",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "requests_oauthlib.oauth2_session",
)


def redact_params(text: str) -> str:
    """``…?client_secret=abc&x=1`` → ``…?client_secret=[redacted]&x=1``."""
    return _PARAM_RE.sub(r"\1=[redacted]", text)


class RewritingFilter(logging.Filter):
    """A filter that rewrites a record's message with :meth:`rewrite` (and keeps the record)."""

    def rewrite(self, message: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = self.rewrite(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactQueryParams(RewritingFilter):
    """Rewrites a record whose message carries a sensitive parameter."""

    def rewrite(self, message: str) -> str:
        return redact_params(message)


class DropDebug(logging.Filter):
    """Drops records below INFO (the OAuth libraries' DEBUG lines carry credentials)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def install() -> None:
    """Idempotent: attach the filters to the loggers that need them."""
    urllib3_logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactQueryParams) for f in urllib3_logger.filters):
        urllib3_logger.addFilter(RedactQueryParams())
    for name in OAUTH_LIBRARY_LOGGERS:
        lib_logger = logging.getLogger(name)
        if not any(isinstance(f, DropDebug) for f in lib_logger.filters):
            lib_logger.addFilter(DropDebug())
