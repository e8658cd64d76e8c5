"""The errors an adapter raises; the outbox turns each into a publication state.

Part of the adapter contract: import them from ``wagtail_crosspost.adapters.base``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class AdapterError(Exception):
    """Base class. ``message`` is a sentence for an editor; ``raw`` the platform's answer."""

    def __init__(self, message: str, *, raw: Any = None, status_code: int | None = None):
        super().__init__(message)
        # A stored_messages.Message stays one (its code and values are stored with the row).
        self.message = message if isinstance(message, str) else str(message)
        self.raw = raw
        self.status_code = status_code


class PermanentError(AdapterError):
    """Retrying cannot help (validation, a refused file)."""


class TransientError(AdapterError):
    """Try again later; ``retry_after`` is the platform's own hint in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AuthError(AdapterError):
    """The credentials no longer work: the channel needs reconnecting."""


class AmbiguousError(AdapterError):
    """The request may have reached the platform (timeout after sending): do not blindly retry."""


class ConfigurationError(AdapterError):
    """The channel's options are incomplete or wrong; ``field`` names the option it is about
    (the channel form shows the message beside that field)."""

    def __init__(self, message: str, *, field: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.field = field


class UnreachableError(ConfigurationError):
    """The server at ``host`` could not be reached, and nothing was sent: its name was not
    found, it refused the connection, or no secure (TLS) connection could be made. Almost always
    a wrong address: the outbox does not retry it on a channel that never posted."""

    def __init__(self, message: str, *, host: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.host = host


@contextmanager
def about_option(name: str) -> Iterator[None]:
    """Mark a ConfigurationError raised inside as being about the option ``name``."""
    try:
        yield
    except ConfigurationError as error:
        error.field = error.field or name
        raise


def clean_option(cleaned: dict[str, Any], name: str, clean: Callable[[Any], Any]) -> None:
    """``cleaned[name] = clean(cleaned.get(name))``; a ConfigurationError is about ``name``."""
    with about_option(name):
        cleaned[name] = clean(cleaned.get(name))
