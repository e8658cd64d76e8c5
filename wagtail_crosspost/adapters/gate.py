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

import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from wagtail_crosspost import conf

from .addresses import (  # noqa: F401  (re-exported: the gate is the public face)
    _NUMERIC_IPV4,
    MAX_ANSWER_BYTES,
    NAT64,
    NAT64_LOCAL,
    SIIT,
    SPECIAL_USE,
    AnswerLost,
    AnswerTooLarge,
    Connector,
    DeadlineExceeded,
    IPAddress,
    Refused,
    RequestRefused,
    Resolver,
    Unreachable,
    _hooks,
    _refused_address,
    allow_private_default,
    check_url,
    checked_addresses,
    embedded_ipv4,
    hooks,
    literal_address,
    parse,
    refusal_reason,
    resolve,
    system_connector,
    system_resolver,
)

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
        refusals = 0
        for address in addresses:
            try:
                sock = _hooks["connect"]((str(address), self.port), timeout)
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={timeout})"
                ) from exc
            except OSError as exc:
                error = exc
                refusals += isinstance(exc, ConnectionRefusedError)
                continue
            for option in self.socket_options or ():
                try:
                    sock.setsockopt(*option)
                except OSError:
                    pass
            self._gate_socket = sock
            return sock
        if addresses and refusals == len(addresses):  # every address said no: nothing was sent
            context["unreachable"] = ("refused", self.host, self.port)
        raise NewConnectionError(
            self,  # type: ignore[arg-type]
            f"Failed to establish a new connection: {error}",
        )

    def connect(self) -> None:
        """Open the socket (``_new_conn``), then, for https, the TLS handshake. A handshake
        that fails is noted: the request was not sent (a timeout is not: a slow server)."""
        self._gate_socket = None
        try:
            super().connect()  # type: ignore[misc]
        except Exception as exc:
            context = _context()
            opened = getattr(self, "_gate_socket", None) is not None
            if opened and not isinstance(exc, TimeoutError) and "unreachable" not in context:
                if isinstance(self, HTTPSConnection):
                    context["unreachable"] = ("tls", self.host, self.port)
            raise

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

    def __init__(
        self,
        *,
        allow_private: bool | None = None,
        deadline: float | None = None,
        max_bytes: int | None = None,
    ):
        self.allow_private = allow_private
        self.deadline = deadline
        self.max_bytes = max_bytes  # a caller may only lower the cap, never raise it
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
            limit = min(self.max_bytes or MAX_ANSWER_BYTES, MAX_ANSWER_BYTES)
            _read_body(response, deadline, limit)
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
            unreachable = _local.context.get("unreachable")
            if unreachable is not None:  # refused, or no TLS: before anything was sent
                kind, host, port = unreachable
                raise Unreachable(
                    f"{kind}: {host}:{port}: {exc}",
                    kind=kind,
                    host=host,
                    port=port,
                    request=request,
                ) from exc
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


def capped_content(response: requests.Response, limit: int | None = None) -> bytes:
    """A streamed answer's body, at most ``limit`` bytes (default MAX_ANSWER_BYTES);
    AnswerTooLarge beyond, whether the size is declared or only found while reading."""
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
    return b"".join(chunks)


def keep_content(response: requests.Response, content: bytes) -> requests.Response:
    """Store a body read with capped_content, so ``response.content`` and ``.json()`` work."""
    response._content = content
    response._content_consumed = True  # type: ignore[attr-defined]
    return response


def _read_body(
    response: requests.Response, deadline: Deadline, limit: int = MAX_ANSWER_BYTES
) -> None:
    """Read the whole answer now (inside the deadline), ``limit`` bytes at the most."""
    try:
        content = capped_content(response, limit)
    except AnswerTooLarge:
        raise
    except requests.exceptions.RequestException as exc:
        response.close()
        if deadline.expired:
            raise
        raise AnswerLost(
            f"HTTP {response.status_code} answer cut off while reading: {exc}",
            request=response.request,
            response=response,
        ) from None
    if deadline.expired:
        response.close()
        raise AnswerLost("the answer was cut off by the total deadline", response=response)
    keep_content(response, content)


class GuardedSession(requests.Session):
    """A session that follows no redirect: a 3xx is returned as the answer."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def guard(
    session: requests.Session,
    *,
    allow_private: bool | None = None,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> requests.Session:
    """Mount the gate on ``session`` (for sessions a library creates, e.g. OAuth1Session):
    no proxies or .netrc from the environment, no redirects followed."""
    adapter = GateAdapter(allow_private=allow_private, deadline=deadline, max_bytes=max_bytes)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    if not isinstance(session, GuardedSession):
        session.max_redirects = 0  # a redirect ends in TooManyRedirects, never followed
    return session


def guarded_session(
    *,
    allow_private: bool | None = None,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> requests.Session:
    """A gated session; ``deadline`` and ``max_bytes`` may tighten the defaults for one use (the
    editor's link-card check waits seconds, not minutes, and reads a page, not a film)."""
    return guard(
        GuardedSession(), allow_private=allow_private, deadline=deadline, max_bytes=max_bytes
    )
