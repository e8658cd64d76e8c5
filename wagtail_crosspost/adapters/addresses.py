"""The gate's address rules: which hosts and addresses a request may reach, the resolver
and connector hooks, and reading a URL exactly as ``requests`` does. Split out of
``gate.py`` (which re-exports these names)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from wagtail_crosspost import conf
from wagtail_crosspost.stored_messages import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Bytes of an answer read at the most: platforms answer in kilobytes; a server that sends more
#: (broken, or hostile: server addresses are entered by admins) must not fill the memory.
MAX_ANSWER_BYTES = 5_000_000

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")
#: Special-use ranges (RFC 6890 and later) refused whatever this Python's ``ipaddress`` knows.
SPECIAL_USE = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
)
_NUMERIC_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


# -- errors ----------------------------------------------------------------------------------------


class Refused(ValueError):
    """The gate will not make this request. ``message`` is a sentence for an admin.

    Deliberately not an OSError: urllib3 and requests let it through unchanged.
    """

    def __init__(self, message: str, *, temporary: bool = False, unresolved: bool = False):
        super().__init__(message)
        self.message = str(message)
        self.unresolved = unresolved or temporary  # the name did not resolve
        self.temporary = temporary  # ... *right now* (a DNS hiccup, not a wrong name)


class RequestRefused(requests.exceptions.InvalidURL):
    """What a caller of a guarded session sees for a refused request (nothing was sent)."""

    def __init__(self, refusal: Refused, **kwargs: Any):
        super().__init__(refusal.message, **kwargs)
        self.message = refusal.message
        self.temporary = refusal.temporary
        self.unresolved = refusal.unresolved


class AnswerTooLarge(requests.exceptions.RequestException):
    """The server's answer was longer than MAX_ANSWER_BYTES (the rest was not read)."""


class DeadlineExceeded(requests.exceptions.ReadTimeout):
    """The whole exchange took longer than the total deadline (the request may have arrived)."""


class AnswerLost(requests.exceptions.ConnectionError):
    """The connection failed while the answer was read: the request had arrived."""


class Unreachable(requests.exceptions.ConnectionError):
    """The server could not be reached, so nothing was sent: it refused the connection
    (``kind`` "refused") or the secure connection could not be set up ("tls")."""

    def __init__(self, message: str, *, kind: str, host: str, port: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.kind = kind
        self.host = host
        self.port = port


# -- addresses -------------------------------------------------------------------------------------


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, read as the C library reads it (``2130706433``,
    ``0177.0.0.1`` and ``0x7f.1`` are all 127.0.0.1), or None for a name."""
    bare = host.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_IPV4.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            raise Refused(_("“%(host)s” is not a valid address.") % {"host": host}) from None
    return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, compatible, SIIT, NAT64 (both
    prefixes), 6to4 and Teredo (server and client)."""
    number = int(address)
    low = ipaddress.IPv4Address(number & 0xFFFFFFFF)
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    elif number >> 32 == 0 and number > 1:  # ::a.b.c.d, "IPv4-compatible"
        found.append(low)
    if address in SIIT or address in NAT64:
        found.append(low)
    if address in NAT64_LOCAL:
        found.append(low)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def refusal_reason(address: IPAddress) -> str | None:
    """Why the gate will not connect to ``address`` (a short phrase), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        for v4 in inner:
            reason = refusal_reason(v4)
            if reason:
                return reason
        if inner and (
            address.ipv4_mapped is not None
            or address in NAT64
            or address in SIIT
            or int(address) >> 32 == 0
        ):
            return None  # only a spelling of the (public) IPv4 address it carries
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if any(address.version == net.version and address in net for net in SPECIAL_USE):
        return "special-use"
    if not address.is_global:
        return "special-use"
    return None


def _refused_address(where: str, address: IPAddress) -> Refused:
    return Refused(
        _(
            "“%(url)s” points to this machine or a private network (%(address)s); "
            "wagtail-crosspost only connects to public servers. To allow it, set "
            "WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True."
        )
        % {"url": where, "address": address}
    )


# -- hooks -----------------------------------------------------------------------------------------

Resolver = Callable[[str, int], list[str]]
Connector = Callable[[tuple[str, int], Any], socket.socket]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def system_connector(address: tuple[str, int], timeout: Any) -> socket.socket:
    return socket.create_connection(address, timeout)


_hooks: dict[str, Any] = {"resolve": system_resolver, "connect": system_connector}


@contextmanager
def hooks(*, resolve: Resolver | None = None, connect: Connector | None = None) -> Iterator[None]:
    """Replace the resolver and/or the connector for the duration (tests)."""
    saved = dict(_hooks)
    if resolve is not None:
        _hooks["resolve"] = resolve
    if connect is not None:
        _hooks["connect"] = connect
    try:
        yield
    finally:
        _hooks.update(saved)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host`` (a literal is its own answer); Refused if there is none."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        answers = _hooks["resolve"](host.rstrip(".") or host, port)
    except socket.gaierror as exc:
        temporary = exc.errno == socket.EAI_AGAIN
        if temporary:
            message = _(
                "The server name “%(host)s” could not be found right now. It will be tried again."
            )
        else:
            message = _("The server name “%(host)s” could not be found. Check the address.")
        raise Refused(message % {"host": host}, temporary=temporary, unresolved=True) from None
    except (OSError, UnicodeError, ValueError):
        answers = []
    addresses = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(str(answer).split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise Refused(
            _("The server name “%(host)s” could not be found. Check the address.") % {"host": host},
            unresolved=True,
        )
    return addresses


def allow_private_default() -> bool:
    return bool(conf.get("ALLOW_PRIVATE_URLS"))


def checked_addresses(
    host: str, port: int, *, allow_private: bool | None = None, where: str | None = None
) -> list[IPAddress]:
    """Resolve ``host`` once; refuse if any answer is not public (unless private is allowed)."""
    addresses = resolve(host, port)
    if allow_private is None:
        allow_private = allow_private_default()
    if not allow_private:
        for address in addresses:
            if refusal_reason(address):
                raise _refused_address(where or host, address)
    return addresses


# -- reading URLs exactly as requests does ---------------------------------------------------------


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of ``url`` as ``requests`` will connect; Refused for anything else.

    The URL is prepared by ``requests`` itself (IDNA and all) and its host read by urllib3's
    parser, the one the connection pool uses. Addresses with a user name or password, with a
    backslash or control characters, or that Python's ``urlsplit`` reads differently, are
    refused: no server needs them, and each has been used to make two parsers disagree.
    """
    text = str(url or "").strip()
    not_web = Refused(
        _("“%(url)s” is not a web address: it must start with https:// and name a server.")
        % {"url": url}
    )
    if "\\" in text or any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise Refused(
            _("“%(url)s” contains a backslash, a space or a control character.") % {"url": url}
        )
    try:
        prepared = requests.Request("GET", text).prepare().url or ""
        parts = parse_url(prepared)
        split = urlsplit(text)
        split_port = split.port
    except (requests.exceptions.RequestException, LocationParseError, ValueError):
        raise not_web from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not parts.host:
        raise not_web
    if parts.auth or "@" in split.netloc:
        raise Refused(
            _("“%(url)s” contains a user name or password; enter the server address only.")
            % {"url": url}
        )
    host = parts.host.strip("[]")
    try:
        split_host = requests.models.PreparedRequest._get_idna_encoded_host(  # type: ignore[attr-defined]
            split.hostname or ""
        )
    except Exception:
        split_host = split.hostname or ""
    if split_host.strip("[]").lower() != host.lower() or split_port != parts.port:
        raise Refused(
            _("“%(url)s” is read differently by different programs; enter a plain address.")
            % {"url": url}
        )
    return scheme, host, parts.port or (443 if scheme == "https" else 80)


def check_url(url: str, *, allow_private: bool | None = None) -> str:
    """Refused unless ``url`` is an http(s) address whose host resolves to public addresses
    only (form-time check; the gate checks again, and pins, when it connects)."""
    scheme, host, port = parse(url)
    checked_addresses(host, port, allow_private=allow_private, where=str(url))
    return url
