"""A server that cannot be reached before anything is sent (name not found, connection refused,
no TLS) is a configuration error naming the host: the address is wrong, waiting will not help.

Servers on 127.0.0.1 only; the names resolve through the gate's resolver hook, and the
private-address allowance is off (the gate treats them as public hosts).
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    ConfigurationError,
    TransientError,
    UnreachableError,
)
from wagtail_crosspost.adapters.http import HTTPClient
from wagtail_crosspost.testing.gate import RecordingConnector, gate_hooks, resolving

PUBLIC = "93.184.215.14"


@pytest.fixture(autouse=True)
def strict_gate(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)
    settings.WAGTAILCROSSPOST_HTTP_DEADLINE = 4


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed: connecting is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def plain_http_server():
    """An HTTP (not HTTPS) server on 127.0.0.1 that records every request it reads."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.seen = seen  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def test_a_refused_connection_fails_fast_naming_the_host():
    port = closed_port()
    connector = RecordingConnector(to=("127.0.0.1", port))
    with gate_hooks(resolve=resolving({"social.example": PUBLIC}), connect=connector):
        with pytest.raises(UnreachableError) as caught:
            HTTPClient("Example").request("POST", f"https://social.example:{port}/posts", json={})
    error = caught.value
    assert isinstance(error, ConfigurationError)  # not Transient: never retried
    assert error.host == "social.example"
    assert "“social.example” refused the connection" in error.message
    assert "Check the address" in error.message
    assert connector.addresses == [(PUBLIC, port)]  # one attempt, no retry


def test_a_name_that_is_not_found_fails_fast_naming_the_host():
    connector = RecordingConnector()
    with gate_hooks(resolve=resolving({}), connect=connector):
        with pytest.raises(UnreachableError) as caught:
            HTTPClient("Example").request("POST", "https://mastodn.example/api", json={})
    assert caught.value.host == "mastodn.example"
    assert "“mastodn.example” could not be found. Check the address." in caught.value.message
    assert connector.addresses == []


def test_a_dns_hiccup_stays_transient():
    """The resolver itself says "try again" (EAI_AGAIN): not the address's fault."""

    def hiccup(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with gate_hooks(resolve=hiccup), pytest.raises(TransientError) as caught:
        HTTPClient("Example").request("POST", "https://social.example/api", json={})
    assert not isinstance(caught.value, ConfigurationError)


def test_https_to_a_plain_http_server_fails_fast_and_sends_nothing(plain_http_server):
    port = plain_http_server.server_address[1]
    connector = RecordingConnector(to=("127.0.0.1", port))
    with gate_hooks(resolve=resolving({"social.example": PUBLIC}), connect=connector):
        with pytest.raises(UnreachableError) as caught:
            HTTPClient("Example").request("POST", f"https://social.example:{port}/posts", json={})
    assert caught.value.host == "social.example"
    assert "no secure (TLS) connection" in caught.value.message
    assert "Check the address" in caught.value.message
    assert plain_http_server.seen == []  # the handshake failed: the post never left


def test_the_same_server_over_http_is_reached(plain_http_server):
    """The control: the address works when it is the right one."""
    port = plain_http_server.server_address[1]
    connector = RecordingConnector(to=("127.0.0.1", port))
    with gate_hooks(resolve=resolving({"social.example": PUBLIC}), connect=connector):
        HTTPClient("Example", json_answers=False).request(
            "POST", f"http://social.example:{port}/posts", json={}
        )
    assert plain_http_server.seen == ["/posts"]


def test_a_connection_lost_after_sending_is_still_maybe_sent():
    """The server read the request and hung up: the post may exist, so not "unreachable"."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def read_then_hang_up():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=read_then_hang_up, daemon=True)
    thread.start()
    connector = RecordingConnector(to=("127.0.0.1", port))
    try:
        with gate_hooks(resolve=resolving({"social.example": PUBLIC}), connect=connector):
            with pytest.raises(AmbiguousError):
                HTTPClient("Example").request("POST", f"http://social.example:{port}/p", json={})
    finally:
        thread.join(5)
        listener.close()
