"""A link in the form a platform takes it: an IRI (``https://bäckerei.de/über-uns/``, readable) or
the plain-ASCII URI (``https://xn--bckerei-dxa.de/%C3%BCber-uns/``), which every platform takes.

``PlatformRules.iri_links`` says which form goes into a post's text; the choice per platform is
documented in docs/reference/adapters.md ("Links: IRI or URI"). Pure: no network.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit, urlunsplit

from django.utils.encoding import iri_to_uri, uri_to_iri


def as_uri(url: str) -> str:
    """``url`` with its host in punycode and the rest percent-encoded (RFC 3986)."""
    return _rewrite(url, _to_ascii, iri_to_uri)


def as_iri(url: str) -> str:
    """``url`` with its host and path in Unicode where they encode UTF-8 text (RFC 3987).

    Escapes that stand for reserved characters (``%2F``, ``%3F``, ``%20``…) stay escaped, so the
    link still leads to the same page.
    """
    return _rewrite(url, _to_unicode, uri_to_iri)


def as_sent(url: str, iri: bool) -> str:
    """The form of ``url`` that a platform with ``iri_links=iri`` gets."""
    return as_iri(url) if iri else as_uri(url)


def _rewrite(url: str, label: Callable[[str], str], rest: Callable[[str], str | None]) -> str:
    """``url`` with each host label mapped by ``label`` and path, query and fragment by ``rest``."""
    parts = _split(url)
    if parts is None:
        return url
    host = _map_labels(parts.hostname or "", label)
    return urlunsplit(
        _with_host(parts, host)._replace(
            path=rest(parts.path) or "",
            query=rest(parts.query) or "",
            fragment=rest(parts.fragment) or "",
        )
    )


def _split(url: str) -> SplitResult | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _with_host(parts: SplitResult, host: str) -> SplitResult:
    netloc = parts.netloc
    userinfo, _at, hostport = netloc.rpartition("@")
    # Keep the port and any user info; lower-cased hosts are what hostname gives.
    port = f":{parts.port}" if parts.port is not None else ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return parts._replace(netloc=(userinfo + "@" if _at else "") + host + port)


def _map_labels(host: str, convert) -> str:
    if ":" in host:  # IPv6
        return host
    return ".".join(convert(label) for label in host.split("."))


def _to_ascii(label: str) -> str:
    if label.isascii():
        return label
    try:
        return label.encode("idna").decode("ascii")
    except UnicodeError:
        return label


def _to_unicode(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label
