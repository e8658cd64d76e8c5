"""The sentence for a server that could not be reached before anything was sent."""

from __future__ import annotations

from wagtail_crosspost.stored_messages import gettext as _

from .addresses import Unreachable
from .base import UnreachableError


def unreachable_error(exc: Unreachable, raw: str) -> UnreachableError:
    """An UnreachableError naming the host (``raw``: the technical detail, already scrubbed)."""
    params = {"host": exc.host, "port": exc.port}
    if exc.kind == "refused":
        message = _(
            "Nothing was sent: the server “%(host)s” refused the connection (port %(port)s). "
            "Check the address in the channel's settings."
        )
    elif "CERTIFICATE_VERIFY_FAILED" in raw:
        message = _(
            "Nothing was sent: the server “%(host)s” did not prove its identity (its TLS "
            "certificate could not be verified). Check the address in the channel's settings."
        )
    else:
        message = _(
            "Nothing was sent: no secure (TLS) connection could be made to “%(host)s” (port "
            "%(port)s). Check the address in the channel's settings: it must be the server's "
            "https address."
        )
    return UnreachableError(message % params, host=exc.host, raw=raw)
