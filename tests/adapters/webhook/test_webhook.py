"""The webhook adapter against a receiver that verifies signatures and deduplicates."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest

from tests.fakes.webhook import SECRET, FakeReceiver
from wagtail_crosspost.adapters.base import (
    AuthError,
    ConfigurationError,
    Media,
    PermanentError,
    Post,
    TransientError,
)
from wagtail_crosspost.adapters.webhook.adapter import (
    WebhookAdapter,
    sign,
    signature_header,
    verify_signature,
)
from wagtail_crosspost.models import Channel


@pytest.fixture
def server():
    with FakeReceiver() as fake:
        yield fake


def make_adapter(url: str, secret: str = SECRET) -> WebhookAdapter:
    channel = Channel(pk=7, platform="webhook", name="Intranet", options={"url": url})
    channel.set_credentials({"secret": secret})
    return WebhookAdapter(channel)


@pytest.fixture
def adapter(server):
    return make_adapter(server.hook_url)


def image(url: str = "https://www.example.com/media/images/lathe.width-1200.jpg") -> Media:
    return Media(
        content=b"jpeg",
        mime_type="image/jpeg",
        filename="lathe.jpg",
        width=1200,
        height=630,
        alt_text="A lathe",
        url=url,
    )


def post(**kwargs) -> Post:
    kwargs.setdefault("idempotency_key", "pub-42-abc")
    return Post(
        text="New machine",
        link="https://www.example.com/news/lathe/",
        title="The L-200",
        description="Faster.",
        **kwargs,
    )


# -- publishing ----------------------------------------------------------------------------------


def test_publish_sends_the_signed_payload(server, adapter):
    receipt = adapter.publish(post(media=(image(),)))

    assert receipt.remote_id == "item-1"
    assert receipt.url == "https://intranet.example/news/item-1"
    payload = server.received["pub-42-abc"]
    assert payload["text"] == "New machine"
    assert payload["link"] == "https://www.example.com/news/lathe/"
    assert payload["title"] == "The L-200" and payload["description"] == "Faster."
    assert payload["media"] == [
        {
            "url": "https://www.example.com/media/images/lathe.width-1200.jpg",
            "alt_text": "A lathe",
            "mime_type": "image/jpeg",
            "width": 1200,
            "height": 630,
        }
    ]
    assert payload["idempotency_key"] == "pub-42-abc"
    assert payload["channel"] == {"id": 7, "name": "Intranet"}
    sent_at = datetime.fromisoformat(payload["sent_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 10
    (request,) = server.requests
    assert request.headers["X-Crosspost-Idempotency-Key"] == "pub-42-abc"
    assert request.headers["Content-Type"].startswith("application/json")


def test_relative_media_urls_use_base_url_or_are_left_out(settings, server, adapter):
    adapter.publish(post(media=(image("/media/a.jpg"),), idempotency_key="k1"))
    assert server.received["k1"]["media"] == []
    settings.WAGTAILCROSSPOST_BASE_URL = "https://www.example.com"
    adapter.publish(post(media=(image("/media/a.jpg"),), idempotency_key="k2"))
    assert server.received["k2"]["media"][0]["url"] == "https://www.example.com/media/a.jpg"


def test_answer_without_an_id_uses_the_idempotency_key():
    for answer in ("empty", "text"):
        with FakeReceiver(answer=answer) as fake:
            receipt = make_adapter(fake.hook_url).publish(post())
            assert receipt.remote_id == "pub-42-abc" and receipt.url == ""


def test_without_a_key_a_deterministic_one_is_made(server, adapter):
    first = adapter.payload(post(idempotency_key=""))["idempotency_key"]
    assert first == adapter.payload(post(idempotency_key=""))["idempotency_key"]
    assert first.startswith("sha256-")


def test_lost_answer_is_transient_and_the_retry_is_deduplicated(server, adapter):
    server.drop(process=True)
    with pytest.raises(TransientError):  # not ambiguous: the receiver dedupes by key
        adapter.publish(post())
    receipt = adapter.publish(post())
    assert receipt.remote_id == "item-1"
    assert list(server.created) == ["pub-42-abc"]
    keys = [r.headers["X-Crosspost-Idempotency-Key"] for r in server.requests]
    assert keys == ["pub-42-abc", "pub-42-abc"]
    assert WebhookAdapter.idempotent


# -- signatures ----------------------------------------------------------------------------------


def test_signature_verifies_and_a_tampered_body_fails(server, adapter):
    adapter.publish(post())
    request = server.requests[0]
    header = request.headers["X-Crosspost-Signature"]
    assert header.startswith("t=") and ",v1=" in header
    assert verify_signature(SECRET, header, request.body)
    assert verify_signature(SECRET, header, request.body.decode())  # str bodies too
    tampered = request.body.replace(b"New machine", b"Old machine")
    assert not verify_signature(SECRET, header, tampered)
    assert not verify_signature("another-secret-value", header, request.body)
    assert not verify_signature(SECRET, "", request.body)
    assert not verify_signature(SECRET, "v1=" + header.split("v1=")[1], request.body)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = json.dumps({"text": "hi"}).encode()
    header = signature_header("k" * 20, body, timestamp=1_700_000_000)
    expected = sign("k" * 20, 1_700_000_000, body)
    assert header == f"t=1700000000,v1={expected}"
    import hashlib
    import hmac

    assert expected == hmac.new(b"k" * 20, b"1700000000." + body, hashlib.sha256).hexdigest()


def test_old_signatures_are_refused():
    body = b"{}"
    header = signature_header(SECRET, body, timestamp=int(time.time()) - 301)
    assert not verify_signature(SECRET, header, body)
    assert verify_signature(SECRET, header, body, tolerance=600)


def test_rotating_secrets_several_v1_values():
    body = b"{}"
    t = int(time.time())
    header = f"t={t},v1={sign('old-secret-xxxx', t, body)},v1={sign(SECRET, t, body)}"
    assert verify_signature(SECRET, header, body)


def test_the_copyable_snippet_agrees(server, adapter):
    namespace: dict = {}
    snippet = verify_signature.__doc__.split("::", 1)[1].split("Pass the raw", 1)[0]
    exec(  # noqa: S102 - the documented snippet must work as printed
        "\n".join(line[8:] for line in snippet.splitlines()), namespace
    )
    adapter.publish(post())
    request = server.requests[0]
    header = request.headers["X-Crosspost-Signature"]
    assert namespace["verify_signature"](SECRET, header, request.body)
    assert not namespace["verify_signature"](SECRET, header, request.body + b" ")


# -- errors --------------------------------------------------------------------------------------


def test_wrong_secret_is_an_auth_error_without_the_secret(server, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-0123456789"
    with pytest.raises(AuthError) as info:
        make_adapter(server.hook_url, wrong).publish(post())
    assert "signature does not match" in info.value.message
    assert wrong not in info.value.message and wrong not in repr(info.value.raw)
    assert wrong not in caplog.text and SECRET not in caplog.text
    assert len(server.rejected) == 1


def test_rate_limit_uses_retry_after(server, adapter):
    server.fail(429, {"error": "slow down"}, headers={"Retry-After": "90"})
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert info.value.retry_after == 90


def test_server_error_is_transient(server, adapter):
    server.fail(500, b"oops")
    with pytest.raises(TransientError):
        adapter.publish(post())


def test_validation_error_is_permanent(server, adapter):
    server.fail(422, {"error": "Unknown channel"})
    with pytest.raises(PermanentError, match="Unknown channel"):
        adapter.publish(post())


def test_redirects_are_not_followed(server, adapter):
    server.fail(302, b"", headers={"Location": "http://10.0.0.1/internal"})
    with pytest.raises(PermanentError, match="redirect"):
        adapter.publish(post())
    assert len(server.requests) == 1


def test_private_url_refused_without_the_setting(settings, server, adapter):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError, match="private network"):
        adapter.publish(post())
    assert server.requests == []
    assert not adapter.check().ok


@pytest.mark.parametrize("url", ["", "ftp://example.com/hook", "file:///etc/passwd"])
def test_bad_urls(url):
    with pytest.raises(ConfigurationError):
        make_adapter(url).publish(post())


def test_missing_secret(server):
    with pytest.raises(ConfigurationError, match="signing secret"):
        make_adapter(server.hook_url, "").publish(post())
    assert server.requests == []


def test_check(server, adapter):
    health = adapter.check()
    assert health.ok and "127.0.0.1" in health.detail
    assert server.requests == []  # checking sends nothing to the receiver
