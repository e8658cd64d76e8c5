"""Test hooks for the outbound gate (``wagtail_crosspost.adapters.gate``).

Tests must never open a connection outside 127.0.0.0/8. To test what the gate does with a
"public" host, resolve a reserved name (``public.example``) to a chosen address with
:func:`resolving`, and let a :class:`RecordingConnector` record the address the gate would
connect to, instead of connecting there (optionally connecting to a local fake instead)::

    connector = RecordingConnector(to=("127.0.0.1", server.port))
    with gate_hooks(resolve=resolving({"public.example": "93.184.215.14"}), connect=connector):
        client.request("GET", f"http://public.example:{server.port}/ok")
    assert connector.addresses == [("93.184.215.14", server.port)]
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from wagtail_crosspost.adapters.gate import hooks as gate_hooks

__all__ = ["RecordingConnector", "gate_hooks", "loopback_only", "resolving"]

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def resolving(
    answers: Mapping[str, str | Iterable[str] | Callable[[], str | Iterable[str]]],
) -> Callable[[str, int], list[str]]:
    """A resolver: ``answers`` maps a name to an address, a list, or a callable giving one on
    each look-up (DNS rebinding: public first, private next). Any other name is unknown."""
    calls: dict[str, int] = {}

    def resolve(host: str, port: int) -> list[str]:
        name = host.lower().rstrip(".")
        if name not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        calls[name] = calls.get(name, 0) + 1
        answer = answers[name]
        if callable(answer):
            answer = answer()
        return [answer] if isinstance(answer, str) else list(answer)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


class RecordingConnector:
    """Records each (address, port) the gate connects to. With ``to``, it then connects to that
    loopback address instead (a local fake plays the public host); without, it refuses."""

    def __init__(self, to: tuple[str, int] | None = None):
        if to is not None and ipaddress.ip_address(to[0]) not in LOOPBACK:
            raise ValueError("a test connects only to 127.0.0.0/8")
        self.to = to
        self.addresses: list[tuple[str, int]] = []

    def __call__(self, address: tuple[str, int], timeout: Any) -> socket.socket:
        self.addresses.append((str(address[0]), int(address[1])))
        if self.to is None:
            raise ConnectionRefusedError("recorded, not connected")
        return socket.create_connection(self.to, timeout)


def loopback_only(address: tuple[str, int], timeout: Any) -> socket.socket:
    """A connector that refuses any address outside 127.0.0.0/8 (a safety net for test runs)."""
    host = ipaddress.ip_address(address[0].split("%")[0])
    if isinstance(host, ipaddress.IPv6Address) and host.ipv4_mapped:
        host = host.ipv4_mapped
    if host not in LOOPBACK:
        raise AssertionError(f"a test tried to connect to {address[0]}, outside 127.0.0.0/8")
    return socket.create_connection(address, timeout)
