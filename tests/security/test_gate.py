"""The outbound gate against hostile addresses and hostile servers (127.0.0.1 only).

"Public" hosts are reserved names (``public.example``) resolved through the gate's resolver hook;
the connector hook records the address the gate picked and, where a test needs an answer,
connects to a local fake instead. ``8.8.8.8`` and the like are strings to parse, never reached.
"""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from wagtail_crosspost.adapters import gate
from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    ConfigurationError,
    PermanentError,
    TransientError,
)
from wagtail_crosspost.adapters.http import HTTPClient, check_public_url, new_session
from wagtail_crosspost.testing import FakeServer, Response
from wagtail_crosspost.testing.gate import RecordingConnector, gate_hooks, resolving

PUBLIC = "93.184.215.14"  # a global address; only ever recorded, never connected to


@pytest.fixture
def internal():
    """A service on loopback that must never receive anything."""
    with FakeServer(strict=False) as fake:
        fake.add_route("GET", r"/.*", lambda request: {"secret": "internal"})
        fake.add_route("POST", r"/.*", lambda request: {"secret": "internal"})
        yield fake


@pytest.fixture
def platform():
    """The "public" platform: a fake on 127.0.0.1 that plays ``public.example``."""
    with FakeServer() as fake:
        fake.add_route("GET", r"/ok", lambda request: {"ok": True})
        fake.add_route("POST", r"/posts", lambda request: {"id": str(len(fake.requests))})
        yield fake


def port_of(server: FakeServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture
def as_public(platform):
    """``public.example`` resolves to PUBLIC; connections to it reach ``platform``."""
    connector = RecordingConnector(to=("127.0.0.1", port_of(platform)))
    resolver = resolving({"public.example": PUBLIC})
    with gate_hooks(resolve=resolver, connect=connector):
        yield connector, resolver


def client():
    return HTTPClient("Example")


# -- parser confusion and address forms --------------------------------------------------------

CONFUSING = [
    "http://127.0.0.1:{port}\\@8.8.8.8/posts",
    "http://127.0.0.1:{port}\\\\@8.8.8.8/posts",
    "http://8.8.8.8@127.0.0.1:{port}/posts",
    "http://user:pass@public.example/posts",
    "http://127.0.0.1:{port}#@8.8.8.8/posts",
    "http://2130706433:{port}/posts",
    "http://0177.0.0.1:{port}/posts",
    "http://0x7f.0.0.1:{port}/posts",
    "http://0x7f000001:{port}/posts",
    "http://127.1:{port}/posts",
    "http://0:{port}/posts",
    "http://localhost:{port}/posts",
    "http://ｌｏｃａｌｈｏｓｔ:{port}/posts",  # IDNA folds fullwidth letters
    "http://①②⑦.0.0.1:{port}/posts",  # and circled digits
    "http://[::1]:{port}/posts",
    "http://[::ffff:127.0.0.1]:{port}/posts",
    "http://[::ffff:7f00:1]:{port}/posts",
    "http://[::127.0.0.1]:{port}/posts",
    "http://[64:ff9b::127.0.0.1]:{port}/posts",
    "http://[64:ff9b:1::a00:1]:{port}/posts",
    "http://[2002:7f00:1::1]:{port}/posts",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{port}/posts",  # Teredo, client 127.0.0.1
    "http://[::]:{port}/posts",
    "http://[fe80::1%25lo]:{port}/posts",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/posts",
    "http://198.18.0.1/posts",
    "http://224.0.0.1/posts",
    "http://255.255.255.255/posts",
]


@pytest.mark.parametrize("template", CONFUSING)
def test_confusing_and_private_addresses_are_refused_before_connecting(template, internal):
    url = template.format(port=port_of(internal))
    connector = RecordingConnector()
    system = resolving({"public.example": PUBLIC, "localhost": ["127.0.0.1", "::1"]})
    with gate_hooks(connect=connector, resolve=system):
        with pytest.raises(ConfigurationError) as at_form:
            check_public_url(url)
        with pytest.raises(ConfigurationError) as at_send:
            client().request("POST", url, json={"text": "hello"})
    for error in (at_form.value, at_send.value):
        assert error.message  # a sentence, not a traceback
    assert connector.addresses == []
    assert internal.requests == []


def test_backslash_userinfo_is_refused_even_with_private_addresses_allowed(settings, internal):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    url = f"http://127.0.0.1:{port_of(internal)}\\@8.8.8.8/posts"
    with pytest.raises(ConfigurationError, match="backslash"):
        check_public_url(url)
    with pytest.raises(ConfigurationError, match="backslash"):
        client().request("POST", url, json={})
    assert internal.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "93.184.215.14",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
    ],
)
def test_public_addresses_pass(address):
    assert gate.refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0",
        "10.1.2.3",
        "127.0.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.0.1",
        "198.51.100.1",
        "224.0.0.1",
        "240.0.0.1",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "::10.0.0.1",
        "::ffff:0:7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b:1::808:808",
        "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "2001:db8::1",
        "fc00::1",
        "fe80::1",
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert gate.refusal_reason(ipaddress.ip_address(address))


def test_numeric_ipv4_spellings_are_read_as_the_c_library_reads_them():
    for spelling in ("2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7F000001"):
        assert gate.literal_address(spelling) == ipaddress.ip_address("127.0.0.1")
    assert gate.literal_address("public.example") is None


# -- resolve once, connect to what was checked ------------------------------------------------


def test_the_connection_goes_to_the_checked_address_with_the_name_in_host(platform, as_public):
    connector, _ = as_public
    port = port_of(platform)
    response = client().request("GET", f"http://public.example:{port}/ok")
    assert response.json() == {"ok": True}
    assert connector.addresses == [(PUBLIC, port)]
    assert platform.requests[-1].headers["Host"] == f"public.example:{port}"


def test_https_connections_keep_the_name_for_sni_and_the_certificate_check():
    pool = gate.GatedHTTPSConnectionPool("public.example", 443)
    connection = pool._new_conn()
    assert isinstance(connection, gate.GatedHTTPSConnection)
    assert connection.host == "public.example"  # server_hostname and the Host header


def test_dns_rebinding_uses_the_first_answer(platform):
    """The first look-up says public, any later one private: one look-up per connection, and
    the socket goes to the address that was checked."""
    answers = iter([PUBLIC] + ["127.0.0.1"] * 5)
    resolver = resolving({"rebind.example": lambda: next(answers)})
    connector = RecordingConnector(to=("127.0.0.1", port_of(platform)))
    port = port_of(platform)
    with gate_hooks(resolve=resolver, connect=connector):
        client().request("GET", f"http://rebind.example:{port}/ok")
    assert resolver.calls == {"rebind.example": 1}
    assert connector.addresses == [(PUBLIC, port)]
    # A new connection looks up again, and is refused now that the answer is private.
    with gate_hooks(resolve=resolver, connect=connector), pytest.raises(ConfigurationError):
        HTTPClient("Example").request("GET", f"http://rebind.example:{port}/ok")
    assert connector.addresses == [(PUBLIC, port)]


def test_a_name_with_any_private_answer_is_refused(platform):
    connector = RecordingConnector(to=("127.0.0.1", port_of(platform)))
    resolver = resolving({"mixed.example": [PUBLIC, "10.0.0.5"]})
    with gate_hooks(resolve=resolver, connect=connector):
        with pytest.raises(ConfigurationError, match="10.0.0.5"):
            client().request("GET", "http://mixed.example/ok")
    assert connector.addresses == []


def test_an_unresolvable_host_is_refused_with_a_clear_message():
    connector = RecordingConnector()
    with gate_hooks(resolve=resolving({}), connect=connector):
        with pytest.raises(ConfigurationError, match="could not be found"):
            client().request("POST", "https://nowhere.example/posts", json={})
    assert connector.addresses == []


def test_a_dns_hiccup_is_transient():
    def hiccup(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with gate_hooks(resolve=hiccup), pytest.raises(TransientError, match="right now"):
        client().request("POST", "https://public.example/posts", json={})


def test_oauth_and_library_sessions_go_through_the_gate(internal):
    from requests_oauthlib import OAuth1Session

    session = gate.guard(OAuth1Session("key", client_secret="secret"))
    with pytest.raises(gate.RequestRefused):
        session.post(f"http://127.0.0.1:{port_of(internal)}/oauth/request_token")
    with pytest.raises(gate.RequestRefused):
        new_session().get(f"http://[::ffff:127.0.0.1]:{port_of(internal)}/")
    assert internal.requests == []


# -- redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:{port}/steal", "http://169.254.169.254/latest/meta-data"]
)
def test_redirects_are_not_followed(status, target, platform, as_public, internal):
    location = target.format(port=port_of(internal))
    platform.fail(status, b"", headers={"Location": location})
    with pytest.raises(PermanentError, match="redirect") as info:
        client().request("POST", f"http://public.example:{port_of(platform)}/posts", json={})
    assert location in info.value.message
    assert internal.requests == []
    assert len(platform.requests) == 1


# -- the total deadline ------------------------------------------------------------------------


def test_a_dripping_answer_is_cut_off_at_the_total_deadline(settings, platform, as_public):
    settings.WAGTAILCROSSPOST_HTTP_DEADLINE = 1
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (1, 5)  # each byte comes well within the read timeout
    platform.add_route("POST", r"/slow", lambda request: Response(200, b"x" * 200))
    platform.drip(0.1, path="/slow")
    started = time.monotonic()
    with pytest.raises(AmbiguousError, match="may or may not"):
        client().request("POST", f"http://public.example:{port_of(platform)}/slow", json={})
    assert time.monotonic() - started < 10  # the drip alone would take 20 s


def test_a_dripping_answer_to_a_read_is_transient(settings, platform, as_public):
    settings.WAGTAILCROSSPOST_HTTP_DEADLINE = 1
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (1, 5)
    platform.drip(0.2, path="/ok")
    with pytest.raises(TransientError):
        client().request("GET", f"http://public.example:{port_of(platform)}/ok")


# -- lost answers ---------------------------------------------------------------------------------


def test_an_answer_cut_off_after_the_post_was_made_is_maybe_sent(platform, as_public):
    platform.cut(path="/posts")
    with pytest.raises(AmbiguousError):
        client().request("POST", f"http://public.example:{port_of(platform)}/posts", json={})
    assert len(platform.requests) == 1


def test_a_reset_after_the_request_was_read_is_maybe_sent(platform, as_public):
    platform.drop(process=True, path="/posts")
    with pytest.raises(AmbiguousError):
        client().request("POST", f"http://public.example:{port_of(platform)}/posts", json={})


def test_an_unreadable_success_answer_to_a_write_is_maybe_sent(platform, as_public):
    url = f"http://public.example:{port_of(platform)}/posts"
    platform.garble(path="/posts")
    with pytest.raises(AmbiguousError, match="could not be read"):
        client().request("POST", url, json={})
    platform.garble(path="/posts")
    with pytest.raises(AmbiguousError):  # even with a key: the outbox notes when (keys expire)
        client().request("POST", url, json={}, idempotent=True)
    platform.garble(path="/ok")
    assert client().request("GET", url.replace("/posts", "/ok")).status_code == 200


def test_an_answer_over_the_cap_is_maybe_sent(monkeypatch, platform, as_public):
    monkeypatch.setattr(gate, "MAX_ANSWER_BYTES", 100)
    platform.add_route("POST", r"/big", lambda request: Response(200, b"{}" + b" " * 500))
    with pytest.raises(AmbiguousError, match="too large"):
        client().request("POST", f"http://public.example:{port_of(platform)}/big", json={})
