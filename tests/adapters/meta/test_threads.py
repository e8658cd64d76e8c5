"""The Threads adapter against the strict fake Threads API; images served by a second server."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.meta import FakeThreads, ImageHost, jpeg
from wagtail_crosspost.adapters import get_adapter_class
from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    AuthError,
    Media,
    PermanentError,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.adapters.meta.threads import ThreadsAdapter
from wagtail_crosspost.models import Channel

TOKEN = "THAAThreadsToken-s3cret-0003"
USER = "26000000000000001"
TEXT = "Our new lathe is here: https://acme.example/news/lathe"


@pytest.fixture
def api():
    with FakeThreads(user_id=USER, token=TOKEN) as fake:
        yield fake


@pytest.fixture
def images():
    with ImageHost() as host:
        yield host


def make_adapter(graph_url: str, token: str = TOKEN, **options) -> ThreadsAdapter:
    channel = Channel(
        platform="threads", name="Acme on Threads", options={"graph_url": graph_url, **options}
    )
    channel.set_credentials({"access_token": token})
    adapter = ThreadsAdapter(channel)
    adapter.sleep = lambda seconds: None
    return adapter


@pytest.fixture
def adapter(api):
    return make_adapter(api.url)


def image(url: str, alt: str = "A lathe in the workshop") -> Media:
    return Media(b"", "image/jpeg", "lathe.jpg", 1200, 630, alt_text=alt, url=url)


# -- declaration ---------------------------------------------------------------------------------


def test_declares_its_rules_and_registers_by_dotted_path(settings):
    assert get_adapter_class("threads") is ThreadsAdapter
    assert ThreadsAdapter.supports == {"delete", "alt_text"}
    assert ThreadsAdapter.idempotent is False
    assert ThreadsAdapter.default_graph_url == "https://graph.threads.net"
    rules = ThreadsAdapter.rules
    assert (rules.text_limit, rules.max_links) == (500, 5)
    assert rules.image.formats == ("JPEG", "PNG") and rules.image.needs_public_url
    assert rules.image.alt_text_limit == 1000 and rules.image.max_aspect == 10


def test_unverified_alt_text_limit_can_be_overridden(api):
    assert make_adapter(api.url, alt_text_limit=500).rules_for_channel().image.alt_text_limit == 500


# -- publishing ----------------------------------------------------------------------------------


def test_text_post(api, adapter):
    receipt = adapter.publish(Post(text=TEXT, link="https://acme.example/news/lathe"))

    assert list(api.threads) == [receipt.remote_id]
    published = api.threads[receipt.remote_id]
    assert published["media_type"] == "TEXT"
    assert published["text"] == TEXT
    assert published["alt_text"] is None
    assert receipt.url == published["permalink"]

    paths = [(r.method, r.path) for r in api.requests]
    container_id = receipt.raw["container_id"]
    assert paths == [
        ("GET", "/v1.0/me/threads_publishing_limit"),
        ("POST", "/v1.0/me/threads"),
        ("GET", f"/v1.0/{container_id}"),
        ("POST", "/v1.0/me/threads_publish"),
        ("GET", f"/v1.0/{receipt.remote_id}"),
    ]
    assert api.requests[2].value("fields") == "status,error_message"
    assert all("access_token" not in r.query for r in api.requests if r.method == "POST")


def test_image_post_with_alt_text_on_an_explicit_user(api, images):
    adapter = make_adapter(api.url, user_id=USER)
    url = images.add("lathe.png", jpeg(1200, 630, fmt="PNG"), "image/png")

    receipt = adapter.publish(Post(text=TEXT, media=(image(url),)))

    published = api.threads[receipt.remote_id]
    assert published["media_type"] == "IMAGE"
    assert published["alt_text"] == "A lathe in the workshop"
    assert published["image"]["format"] == "PNG"
    assert api.requests_to("POST", rf"/v1\.0/{USER}/threads")
    assert len(images.requests) == 1


def test_image_needs_a_public_url(settings, api, adapter):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    adapter = make_adapter("https://graph.threads.net")
    with pytest.raises(PermanentError, match="WAGTAILADMIN_BASE_URL"):
        adapter.publish(Post(text=TEXT, media=(image("/media/images/lathe.jpg"),)))
    assert api.requests == []


def test_image_without_alt_text_sends_none(api, adapter, images):
    url = images.add("lathe.jpg", jpeg())
    receipt = adapter.publish(Post(text=TEXT, media=(image(url, alt=""),)))
    assert api.threads[receipt.remote_id]["alt_text"] is None


def test_delete(api, adapter):
    receipt = adapter.publish(Post(text=TEXT))
    adapter.delete(receipt)
    assert api.threads == {}
    assert api.deletions_left == 99
    # Deleting a post that is already gone is what a delete wants: no error.
    adapter.delete(receipt)


def test_update_is_not_supported(adapter):
    with pytest.raises(PermanentError, match="cannot edit"):
        adapter.update(Receipt(remote_id="1"), Post(text=TEXT))


# -- limits and errors ---------------------------------------------------------------------------


def test_text_over_500_is_refused_with_threads_words(api, adapter):
    with pytest.raises(PermanentError, match="text must be at most 500 characters"):
        adapter.publish(Post(text="x" * 501))
    assert api.containers == {} and api.threads == {}


def test_more_than_five_links_is_refused(api, adapter):
    text = " ".join(f"https://acme.example/{i}" for i in range(6))
    with pytest.raises(PermanentError, match="LINK_LIMIT_EXCEEDED"):
        adapter.publish(Post(text=text))
    five = " ".join(f"https://acme.example/{i}" for i in range(5))
    adapter.publish(Post(text=five))
    assert len(api.threads) == 1


def test_image_that_cannot_be_fetched_is_refused(api, adapter, images):
    with pytest.raises(PermanentError, match="could not be fetched"):
        adapter.publish(Post(text=TEXT, media=(image(images.url_for("/media/gone.jpg")),)))


def test_container_error_is_permanent_with_the_reason(api, adapter):
    api.container_outcome = "ERROR"
    api.container_error = "FAILED_PROCESSING_IMAGE"
    with pytest.raises(PermanentError, match="FAILED_PROCESSING_IMAGE"):
        adapter.publish(Post(text=TEXT))
    assert api.threads == {}


def test_quota_exhausted_is_transient(api, adapter):
    api.quota_usage = 250
    with pytest.raises(TransientError) as info:
        adapter.publish(Post(text=TEXT))
    assert info.value.retry_after == 86_400
    assert api.containers == {}


def test_publish_timeout_after_sending_is_ambiguous(api, adapter):
    api.drop(process=True, method="POST", path=r".*/threads_publish")
    with pytest.raises(AmbiguousError):
        adapter.publish(Post(text=TEXT))
    assert len(api.threads) == 1


def test_expired_token_needs_reconnect_and_stays_secret(api, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    api.expired_tokens.add(TOKEN)
    with pytest.raises(AuthError, match="Session has expired") as info:
        adapter.publish(Post(text=TEXT))
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value.raw)
    assert TOKEN not in caplog.text
    assert adapter.check().needs_reconnect


def test_server_error_is_transient(api, adapter):
    api.fail(503, b"<html>Service Unavailable</html>", path=r".*/threads")
    with pytest.raises(TransientError):
        adapter.publish(Post(text=TEXT))


# -- token refresh and check ---------------------------------------------------------------------


def test_check_names_the_account(api, adapter):
    health = adapter.check()
    assert health.ok and health.detail == "@acme.machines"
