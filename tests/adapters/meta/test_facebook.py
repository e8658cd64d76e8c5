"""The Facebook Page adapter against the strict fake Graph API, over real HTTP."""

from __future__ import annotations

import json
import logging

import pytest

from tests.fakes.meta import FakeGraph, ImageHost, jpeg
from wagtail_crosspost.adapters import get_adapter_class
from wagtail_crosspost.adapters.base import (
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Media,
    PermanentError,
    Post,
    Receipt,
    TransientError,
)
from wagtail_crosspost.adapters.meta.facebook import FacebookAdapter
from wagtail_crosspost.models import Channel

TOKEN = "EAAPageToken-s3cret-0001"
PAGE = "104857600123456"


@pytest.fixture
def graph():
    with FakeGraph(page_id=PAGE, page_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def images():
    with ImageHost() as host:
        yield host


def make_adapter(graph_url: str, token: str = TOKEN, **options) -> FacebookAdapter:
    options = {"page_id": PAGE, "graph_url": graph_url, **options}
    channel = Channel(platform="facebook", name="Acme on Facebook", options=options)
    channel.set_credentials({"page_access_token": token})
    return FacebookAdapter(channel)


@pytest.fixture
def adapter(graph):
    return make_adapter(graph.url)


def photo(content: bytes | None = None, url: str = "") -> Media:
    return Media(
        content=jpeg(1200, 630) if content is None else content,
        mime_type="image/jpeg",
        filename="lathe.jpg",
        width=1200,
        height=630,
        alt_text="A lathe",
        url=url,
    )


def post(text: str = "Our new lathe https://acme.example/news/lathe", **kwargs) -> Post:
    kwargs.setdefault("link", "https://acme.example/news/lathe")
    return Post(text=text, **kwargs)


def assert_no_token(error: Exception, caplog: pytest.LogCaptureFixture, token: str = TOKEN):
    assert token not in str(error)
    assert token not in repr(getattr(error, "raw", ""))
    assert token not in caplog.text


# -- declaration ---------------------------------------------------------------------------------


def test_declares_its_capabilities_and_registers_by_dotted_path(settings):
    assert get_adapter_class("facebook") is FacebookAdapter
    assert FacebookAdapter.supports == {"update", "delete"}
    assert FacebookAdapter.idempotent is False
    assert FacebookAdapter.credential_fields == ("page_access_token",)
    assert FacebookAdapter.option_fields[:2] == ("page_id", "api_version")
    assert str(FacebookAdapter.label) == "Facebook Page"
    assert FacebookAdapter.rules.text_limit == 63_206
    assert FacebookAdapter.rules.counting == "utf16"
    fields = FacebookAdapter.get_form_fields()
    assert set(fields) == {
        "page_id",
        "api_version",
        "page_access_token",
        "text_limit",
        "image_max_bytes",
    }
    assert not fields["text_limit"].required and "63206" in str(fields["text_limit"].help_text)


def test_unverified_defaults_can_be_overridden_per_channel(graph):
    adapter = make_adapter(graph.url, text_limit="50000", image_max_bytes=4_000_000)
    rules = adapter.rules_for_channel()
    assert rules.text_limit == 50_000
    assert rules.image.max_bytes == 4_000_000
    assert adapter.cached_rules() == rules  # the editor's counter sees the override
    assert make_adapter(graph.url, text_limit="").rules_for_channel() == FacebookAdapter.rules


# -- publishing ----------------------------------------------------------------------------------


def test_link_post(graph, adapter):
    receipt = adapter.publish(post())

    assert list(graph.posts) == [receipt.remote_id]
    created = graph.posts[receipt.remote_id]
    assert created["kind"] == "link"
    assert created["message"] == "Our new lathe https://acme.example/news/lathe"
    assert created["link"] == "https://acme.example/news/lathe"
    assert receipt.remote_id.startswith(PAGE + "_")
    assert receipt.url == f"https://www.facebook.com/{receipt.remote_id}"

    [request] = graph.requests_to("POST", r"/v25\.0/\d+/feed")
    assert request.value("access_token") == TOKEN
    assert "access_token" not in request.query  # kept out of the URL


def test_photo_post_uploads_the_rendition(graph, adapter):
    content = jpeg(1200, 630)
    receipt = adapter.publish(post(media=(photo(content),)))

    created = graph.posts[receipt.remote_id]
    assert created["kind"] == "photo"
    assert created["message"] == "Our new lathe https://acme.example/news/lathe"
    uploaded = graph.photos[created["photo_id"]]
    assert uploaded["source"] == "upload"
    assert uploaded["content"] == content
    assert (uploaded["width"], uploaded["height"]) == (1200, 630)
    assert graph.requests_to("POST", r".*/feed") == []
    assert receipt.raw == {"id": created["photo_id"], "post_id": receipt.remote_id}


def test_photo_post_by_public_url(graph, adapter, images):
    url = images.add("lathe.jpg", jpeg(800, 800))
    receipt = adapter.publish(post(media=(photo(b"", url=url),)))

    photo_record = graph.photos[graph.posts[receipt.remote_id]["photo_id"]]
    assert photo_record["source"] == "url"
    assert len(images.requests_to("GET", "/media/lathe.jpg")) == 1


def test_photo_url_must_be_public(settings, graph, adapter):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(PermanentError, match="WAGTAILCROSSPOST_BASE_URL"):
        adapter.publish(post(media=(photo(b"", url="/media/images/lathe.jpg"),)))
    assert graph.posts == {}


def test_empty_post_is_refused_before_sending(graph, adapter):
    with pytest.raises(PermanentError):
        adapter.publish(Post(text=""))
    assert graph.requests == []


def test_update_and_delete(graph, adapter):
    receipt = adapter.publish(post())

    updated = adapter.update(receipt, post("Corrected text"))

    assert updated.remote_id == receipt.remote_id
    assert graph.posts[receipt.remote_id]["message"] == "Corrected text"
    assert graph.posts[receipt.remote_id]["edits"] == 1

    adapter.delete(receipt)
    assert graph.posts == {}
    # Deleting a post that is already gone is what a delete wants: no error.
    adapter.delete(receipt)


def test_delete_removes_the_photo_post(graph, adapter):
    receipt = adapter.publish(post(media=(photo(),)))
    adapter.delete(receipt)
    assert graph.posts == {} and graph.photos == {}


def test_api_version_option_goes_into_the_url(graph):
    adapter = make_adapter(graph.url, api_version="v24.0")
    adapter.publish(post())
    assert [r.path for r in graph.requests] == [f"/v24.0/{PAGE}/feed"]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401])
def test_invalid_token_needs_reconnect_and_stays_secret(status, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "EAAWrongToken-" + TOKEN
    with FakeGraph(page_id=PAGE, page_token=TOKEN, auth_error_status=status) as graph:
        adapter = make_adapter(graph.url, token=bad)
        with pytest.raises(AuthError) as info:
            adapter.publish(post())
        assert "Invalid OAuth access token" in info.value.message
        assert info.value.raw["body"]["error"]["code"] == 190
        assert_no_token(info.value, caplog, bad)

        health = adapter.check()
        assert not health.ok and health.needs_reconnect
        assert bad not in health.detail
        assert graph.posts == {}


def test_expired_token_is_an_auth_error(graph, adapter):
    graph.expired_tokens.add(TOKEN)
    with pytest.raises(AuthError, match="Session has expired"):
        adapter.publish(post())


def test_missing_token_needs_reconnect_without_a_request(graph):
    adapter = make_adapter(graph.url, token="")
    with pytest.raises(AuthError):
        adapter.publish(post())
    assert graph.requests == []


def test_missing_page_id_is_a_configuration_error(graph):
    adapter = make_adapter(graph.url, page_id="")
    with pytest.raises(ConfigurationError, match="Facebook Page id"):
        adapter.publish(post())
    health = adapter.check()
    assert not health.ok and not health.needs_reconnect


def test_rate_limit_waits_as_long_as_the_usage_header_says(graph, adapter):
    usage = {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    graph.fail(
        400,
        {"error": {"message": "(#32) Page request limit reached", "code": 32, "type": "OAuth"}},
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert info.value.retry_after == 7 * 60
    assert graph.posts == {}


def test_validation_error_is_permanent_with_metas_words(graph, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermanentError) as info:
        adapter.publish(post("x" * 63_207, link=""))
    assert "(#100) The message is too long" in info.value.message
    assert info.value.status_code == 400
    assert_no_token(info.value, caplog)


def test_timeout_after_sending_is_ambiguous(graph, adapter):
    graph.drop(process=True, method="POST", path=r".*/feed")
    with pytest.raises(AmbiguousError):
        adapter.publish(post())
    assert len(graph.posts) == 1  # it was posted: the editor must check, not retry


def test_server_error_is_transient(graph, adapter):
    graph.fail(
        500,
        {"error": {"message": "An unknown error has occurred.", "code": 1, "type": "OAuth"}},
    )
    with pytest.raises(TransientError, match="unknown error"):
        adapter.publish(post())


def test_update_of_a_missing_post_is_permanent(graph, adapter):
    with pytest.raises(PermanentError):
        adapter.update(Receipt(remote_id=f"{PAGE}_404"), post())


# -- check ---------------------------------------------------------------------------------------


def test_check_names_the_page(graph, adapter):
    health = adapter.check()
    assert health.ok and health.detail == "Acme Machines"
    [request] = graph.requests
    assert request.path == f"/v25.0/{PAGE}" and request.value("fields") == "name"


def test_own_graph_url_must_be_public_https_without_the_setting(settings, graph):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError, match="https://"):
        make_adapter(graph.url).publish(post())
    with pytest.raises(ConfigurationError, match="private network"):
        make_adapter(graph.url.replace("http://", "https://")).publish(post())
    assert graph.requests == []


@pytest.mark.django_db
def test_channel_form_saves_options_and_the_token(settings, graph):
    from wagtail_crosspost.forms import channel_form_class

    form_class = channel_form_class("facebook")
    form = form_class(
        data={
            "name": "Acme on Facebook",
            "enabled": "on",
            "on_unpublish": "keep",
            "option_page_id": PAGE,
            "option_api_version": "",
            "option_text_limit": "",
            "option_image_max_bytes": "9000000",
            "credential_page_access_token": TOKEN,
        }
    )
    assert form.is_valid(), form.errors
    channel = form.save()
    assert channel.options["page_id"] == PAGE
    assert channel.get_credentials() == {"page_access_token": TOKEN}
    adapter = channel.get_adapter()
    assert adapter.api_version == "v25.0"
    assert adapter.rules_for_channel().image.max_bytes == 9_000_000
    assert adapter.rules_for_channel().text_limit == 63_206
