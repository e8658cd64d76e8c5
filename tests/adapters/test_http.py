"""Shared HTTP plumbing: retry hints, public-URL check, error mapping and secret scrubbing."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    AuthError,
    ConfigurationError,
    PermanentError,
    TransientError,
    UnreachableError,
)
from wagtail_crosspost.adapters.http import HTTPClient, check_public_url, parse_retry_after
from wagtail_crosspost.testing import FakeServer

NOW = datetime(2026, 8, 22, 10, 0, 0, tzinfo=UTC).timestamp()


# -- parse_retry_after ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, 120),  # delta seconds
        ({"Retry-After": " 7 "}, 7),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "Sat, 22 Aug 2026 10:02:00 GMT"}, 120),  # HTTP date
        ({"x-rate-limit-reset": str(int(NOW) + 900)}, 900),  # X: epoch seconds
        ({"RateLimit-Reset": str(int(NOW) + 60)}, 60),  # Bluesky: epoch seconds
        ({"X-RateLimit-Reset": "2026-08-22T10:05:00.000Z"}, 300),  # Mastodon: ISO 8601
        ({"X-RateLimit-Reset": "2026-08-22T10:05:00.123456Z"}, 300.123456),
        ({"X-RateLimit-Reset": "2026-08-22T12:05:00+02:00"}, 300),  # with an offset
        ({"X-RateLimit-Reset": "2026-08-22T10:05:00"}, 300),  # no offset: UTC, not local time
        ({"X-RateLimit-Reset": "2026-08-22T09:00:00Z"}, 0),  # in the past: now
        ({"Retry-After": str(int(NOW) - 50)}, 0),  # epoch in the past
        ({"Retry-After": ""}, None),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_parse_retry_after(headers, expected):
    result = parse_retry_after(headers, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=0.001)


def test_parse_retry_after_prefers_retry_after_and_skips_unreadable_headers():
    headers = {"Retry-After": "soon", "X-RateLimit-Reset": "2026-08-22T10:01:00Z"}
    assert parse_retry_after(headers, now=NOW) == pytest.approx(60)
    headers = {"Retry-After": "30", "X-RateLimit-Reset": "2026-08-22T10:01:00Z"}
    assert parse_retry_after(headers, now=NOW) == 30


def test_parse_retry_after_with_requests_headers_ignores_case():
    from requests.structures import CaseInsensitiveDict

    headers = CaseInsensitiveDict({"x-ratelimit-reset": "2026-08-22T10:00:10Z"})
    assert parse_retry_after(headers, now=NOW) == pytest.approx(10)


@given(st.integers(min_value=0, max_value=24 * 3600))
def test_every_header_form_gives_the_same_delay(seconds):
    moment = datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=seconds)
    forms = [
        {"Retry-After": str(seconds)},
        {"Retry-After": format_datetime(moment, usegmt=True)},
        {"x-rate-limit-reset": str(int(NOW) + seconds)},
        {"X-RateLimit-Reset": moment.isoformat().replace("+00:00", "Z")},
    ]
    for headers in forms:
        assert parse_retry_after(headers, now=NOW) == pytest.approx(seconds), headers


# -- check_public_url ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:3000",
        "http://127.0.0.1",
        "https://127.1.2.3/",
        "http://10.1.2.3",
        "http://172.16.0.1",
        "https://192.168.178.1",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://100.64.0.1",  # carrier-grade NAT
        "http://0.0.0.0:8000",
        "http://[::1]:8080",
        "http://[fd00::1]",
        "http://[fe80::1]",
        "http://[::ffff:127.0.0.1]",
        "http://224.0.0.1",
    ],
)
def test_check_public_url_refuses_private_addresses(settings, url):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError) as info:
        check_public_url(url)
    assert "private network" in info.value.message
    assert "WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "",
        "mastodon.social",
        "ftp://mastodon.social",
        "file:///etc/passwd",
        "https://",
        "http://a:99999",
    ],
)
def test_check_public_url_refuses_non_web_addresses(settings, url):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True  # the scheme check applies regardless
    with pytest.raises(ConfigurationError, match="not a web address"):
        check_public_url(url)


def test_check_public_url_accepts_public_hosts(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    assert check_public_url("https://93.184.216.34/api") == "https://93.184.216.34/api"
    assert check_public_url("http://[2606:4700::1111]") == "http://[2606:4700::1111]"


def test_check_public_url_checks_every_resolved_address(settings, monkeypatch):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False

    def fake_resolve(host, port, *args, **kwargs):
        addresses = {
            "good.example": ["93.184.216.34"],
            "rebind.example": ["93.184.216.34", "10.0.0.5"],
        }
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_resolve)
    assert check_public_url("https://good.example") == "https://good.example"
    with pytest.raises(ConfigurationError, match="10.0.0.5"):
        check_public_url("https://rebind.example")


def test_check_public_url_lets_unresolvable_hosts_pass(settings, monkeypatch):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False

    def no_dns(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    # The request itself will fail (and be retried); refusing now would break offline saves.
    assert check_public_url("https://mastodon.example") == "https://mastodon.example"


def test_check_public_url_setting_and_argument(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    assert check_public_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    with pytest.raises(ConfigurationError):
        check_public_url("http://127.0.0.1:8000", allow_private=False)


# -- HTTPClient over real HTTP -------------------------------------------------------------------


@pytest.fixture
def server():
    with FakeServer() as fake:
        fake.add_route("GET", r"/ok", lambda request: {"ok": True})
        fake.add_route("POST", r"/write", lambda request: {"created": True})
        yield fake


@pytest.fixture
def client(settings):
    # Read timeout well above a loaded 2-core machine's hiccups; the delay tests wait past it.
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 1.5)
    return HTTPClient("Example", secrets=["tok-very-secret"])


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, PermanentError),
        (401, AuthError),
        (404, PermanentError),
        (408, TransientError),
        (422, PermanentError),
        (429, TransientError),
        (500, TransientError),
        (503, TransientError),
    ],
)
def test_status_codes_map_to_errors(server, client, status, error_class):
    server.fail(status, {"error": "nope"})
    with pytest.raises(error_class) as info:
        client.request("GET", server.url_for("/ok"))
    assert type(info.value) is error_class
    assert info.value.status_code == status
    assert info.value.raw == {"status": status, "body": {"error": "nope"}}


def test_secrets_are_scrubbed_from_messages_and_raw(server, client):
    server.fail(422, {"error": "bad token tok-very-secret", "echo": {"t": "tok-very-secret"}})
    with pytest.raises(PermanentError) as info:
        client.request("GET", server.url_for("/ok"))
    assert "tok-very-secret" not in info.value.message
    assert "tok-very-secret" not in repr(info.value.raw)
    assert info.value.raw["body"]["echo"]["t"] == "[redacted]"


def test_lost_answer_to_a_write_is_ambiguous_unless_idempotent(server, client):
    server.drop(process=True)
    with pytest.raises(AmbiguousError):
        client.request("POST", server.url_for("/write"))
    server.drop(process=True)
    with pytest.raises(TransientError):
        client.request("POST", server.url_for("/write"), idempotent=True)
    server.drop()
    with pytest.raises(TransientError):
        client.request("GET", server.url_for("/ok"))


def test_read_timeout_of_a_write_is_ambiguous(server, client):
    server.delay(2.5)
    with pytest.raises(AmbiguousError):
        client.request("POST", server.url_for("/write"))
    server.delay(2.5)
    with pytest.raises(TransientError):
        client.request("GET", server.url_for("/ok"))


def test_refused_connection_is_unreachable_never_maybe_sent_even_for_writes(client):
    """Nothing was sent, so not ambiguous; a wrong address, so not retried (tests/unreachable)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UnreachableError):
        client.request("POST", f"http://127.0.0.1:{port}/write")


def test_success_returns_the_response(server, client):
    assert client.request("GET", server.url_for("/ok")).json() == {"ok": True}
    assert server.requests[0].headers["User-Agent"].startswith("wagtail-crosspost/")


# -- answers too large to read -------------------------------------------------------------------


def test_a_huge_answer_is_not_read_into_memory(server, client, monkeypatch):
    from wagtail_crosspost.adapters import http

    monkeypatch.setattr(http, "MAX_ANSWER_BYTES", 1000)
    server.add_route("GET", r"/huge", lambda request: {"junk": "x" * 5000})
    server.add_route("POST", r"/huge", lambda request: {"junk": "x" * 5000})
    with pytest.raises(TransientError, match="too large"):
        client.request("GET", server.url_for("/huge"))
    # A write that was answered arrived: whether it worked is unclear.
    with pytest.raises(AmbiguousError, match="too large"):
        client.request("POST", server.url_for("/huge"))
    assert client.request("GET", server.url_for("/ok")).json() == {"ok": True}


def test_an_answer_without_a_length_is_cut_off_at_the_limit():
    import io

    import requests

    from wagtail_crosspost.adapters.http import AnswerTooLarge, read_capped

    def response(body: bytes) -> requests.Response:
        made = requests.Response()
        made.status_code = 200
        made.raw = io.BytesIO(body)  # no Content-Length: only reading shows the size
        return made

    with pytest.raises(AnswerTooLarge):
        read_capped(response(b"x" * 2001), limit=2000)
    assert read_capped(response(b"y" * 2000), limit=2000).content == b"y" * 2000
