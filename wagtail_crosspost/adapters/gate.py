"""The one outbound-request gate: every request this package makes leaves through it.

A ``requests`` transport adapter (:class:`GateAdapter`) mounted on every session we create
(:func:`guarded_session`):

- the host is taken from the URL exactly as ``requests``/``urllib3`` read it, and the check is
  made on the very host the connection is opened to (no second parser to disagree with);
  user names, passwords and backslashes in an address are refused outright;
- each new connection resolves the name once, checks every answer, and connects to an address
  it checked (the IP is pinned; the TLS server name, the certificate check and the ``Host``
  header keep the name, because only the socket's target changes);
- private, loopback, link-local, reserved, multicast, unspecified and other special-use ranges
  are refused, IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo)
  are unwrapped, and decimal, octal and hex spellings of IPv4 are read as the C library reads
  them; ``WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS`` lifts the range check (tests, demos, intranets);
- no redirect is followed (a 3xx comes back as the answer);
- a total deadline (``WAGTAILCROSSPOST_HTTP_DEADLINE``) bounds the whole exchange, body
  included, besides the connect and read timeouts: a server that drips one byte a second is cut
  off when it runs out;
- the answer is read in full inside the gate, at most ``MAX_ANSWER_BYTES``.

Two hooks exist for tests (see ``wagtail_crosspost.testing.gate``): the resolver (name → addresses)
and the connector (checked address → socket).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NewConnectionError
from urllib3.util import parse_url

from wagtail_crosspost import conf

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


class AnswerTooLarge(requests.exceptions.RequestException):
    """The server's answer was longer than MAX_ANSWER_BYTES (the rest was not read)."""


class DeadlineExceeded(requests.exceptions.ReadTimeout):
    """The whole exchange took longer than the total deadline (the request may have arrived)."""


class AnswerLost(requests.exceptions.ConnectionError):
    """The connection failed while the answer was read: the request had arrived."""


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


# -- the deadline ----------------------------------------------------------------------------------

_local = threading.local()


class Deadline:
    """Cuts the connections of one request when its total time is up."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def attach(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            if self.expired:
                _cut(connection)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _cut(connection)


def _cut(connection: Any) -> None:
    for sock in (getattr(connection, "sock", None), getattr(connection, "_gate_socket", None)):
        if sock is None:
            continue
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass


def _context() -> dict[str, Any]:
    return getattr(_local, "context", None) or {}


# -- connections that connect only to checked addresses --------------------------------------------


class _GatedConnectionMixin:
    host: str
    port: int
    timeout: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        context = _context()
        deadline: Deadline | None = context.get("deadline")
        if deadline is not None:
            deadline.attach(self)
        host = getattr(self, "_dns_host", self.host)
        addresses = checked_addresses(
            host, self.port, allow_private=context.get("allow_private"), where=context.get("url")
        )
        timeout = self.timeout if isinstance(self.timeout, int | float) else None
        error: OSError | None = None
        for address in addresses:
            try:
                sock = _hooks["connect"]((str(address), self.port), timeout)
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={timeout})"
                ) from exc
            except OSError as exc:
                error = exc
                continue
            for option in self.socket_options or ():
                try:
                    sock.setsockopt(*option)
                except OSError:
                    pass
            self._gate_socket = sock
            return sock
        raise NewConnectionError(
            self,  # type: ignore[arg-type]
            f"Failed to establish a new connection: {error}",
        )

    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline: Deadline | None = _context().get("deadline")
        if deadline is not None:
            deadline.attach(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class GatedHTTPConnection(_GatedConnectionMixin, HTTPConnection):
    pass


class GatedHTTPSConnection(_GatedConnectionMixin, HTTPSConnection):
    pass


class GatedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GatedHTTPConnection


class GatedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GatedHTTPSConnection


def deadline_default() -> float:
    return float(conf.get("HTTP_DEADLINE"))


class GateAdapter(HTTPAdapter):
    """The transport every guarded session uses for http:// and https://."""

    def __init__(self, *, allow_private: bool | None = None, deadline: float | None = None):
        self.allow_private = allow_private
        self.deadline = deadline
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GatedHTTPConnectionPool,
            "https": GatedHTTPSConnectionPool,
        }

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = request.url or ""
        try:
            parse(url)
        except Refused as refusal:
            raise RequestRefused(refusal, request=request) from None
        total = self.deadline if self.deadline is not None else deadline_default()
        deadline = Deadline(total)
        timeout = _bounded_timeout(timeout, total)
        _local.context = {
            "deadline": deadline,
            "allow_private": self.allow_private,
            "url": url.split("?")[0],
        }
        deadline.start()
        started = time.monotonic()
        try:
            response = super().send(
                request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=None
            )
            _read_body(response, deadline)
            return response
        except Refused as refusal:
            raise RequestRefused(refusal, request=request) from None
        except AnswerTooLarge:
            raise
        except requests.exceptions.RequestException as exc:
            if deadline.expired:
                raise DeadlineExceeded(
                    f"no complete answer within the total deadline of {total:g} s "
                    f"(after {time.monotonic() - started:.1f} s)",
                    request=request,
                ) from None
            raise exc
        finally:
            deadline.cancel()
            _local.context = None


def _bounded_timeout(timeout: Any, total: float) -> Any:
    if isinstance(timeout, tuple):
        connect, read = timeout
        return (
            min(connect, total) if connect is not None else total,
            min(read, total) if read is not None else total,
        )
    if timeout is None:
        return (total, total)
    return min(timeout, total)


def _read_body(response: requests.Response, deadline: Deadline) -> None:
    """Read the whole answer now (inside the deadline), MAX_ANSWER_BYTES at the most."""
    limit = MAX_ANSWER_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise AnswerTooLarge(f"the answer declares {declared} bytes")
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                response.close()
                raise AnswerTooLarge(f"the answer is over {limit} bytes")
            chunks.append(chunk)
    except AnswerTooLarge:
        raise
    except requests.exceptions.RequestException as exc:
        response.close()
        if deadline.expired:
            raise
        raise AnswerLost(
            f"HTTP {response.status_code} answer cut off after {size} bytes: {exc}",
            request=response.request,
            response=response,
        ) from None
    if deadline.expired:
        response.close()
        raise AnswerLost("the answer was cut off by the total deadline", response=response)
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]


class GuardedSession(requests.Session):
    """A session that follows no redirect: a 3xx is returned as the answer."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def guard(session: requests.Session, *, allow_private: bool | None = None) -> requests.Session:
    """Mount the gate on ``session`` (for sessions a library creates, e.g. OAuth1Session):
    no proxies or .netrc from the environment, no redirects followed."""
    adapter = GateAdapter(allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    if not isinstance(session, GuardedSession):
        session.max_redirects = 0  # a redirect ends in TooManyRedirects, never followed
    return session


def guarded_session(*, allow_private: bool | None = None) -> requests.Session:
    return guard(GuardedSession(), allow_private=allow_private)
