"""The Instagram adapter against the strict fake Graph API; images served by a second server."""

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
from wagtail_crosspost.adapters.meta.instagram import InstagramAdapter
from wagtail_crosspost.models import Channel

TOKEN = "EAAInstaToken-s3cret-0002"
IG_USER = "17841400000000001"
CAPTION = "Our new lathe. Link in bio. #machining #lathe"


@pytest.fixture
def graph():
    with FakeGraph(ig_user_id=IG_USER, ig_token=TOKEN, container_polls=2) as fake:
        yield fake


@pytest.fixture
def images():
    with ImageHost() as host:
        yield host


def make_adapter(graph_url: str, token: str = TOKEN, **options) -> InstagramAdapter:
    options = {"ig_user_id": IG_USER, "graph_url": graph_url, **options}
    channel = Channel(platform="instagram", name="Acme on Instagram", options=options)
    channel.set_credentials({"access_token": token})
    adapter = InstagramAdapter(channel)
    adapter.sleep = lambda seconds: None
    return adapter


@pytest.fixture
def adapter(graph):
    return make_adapter(graph.url)


def image(url: str, width: int = 1080, height: int = 1350) -> Media:
    return Media(
        content=b"",
        mime_type="image/jpeg",
        filename="lathe.jpg",
        width=width,
        height=height,
        alt_text="A lathe",
        url=url,
    )


def post(url: str, text: str = CAPTION, **kwargs) -> Post:
    return Post(text=text, link="https://acme.example/news/lathe", media=(image(url),), **kwargs)


@pytest.fixture
def portrait(images):
    return images.add("portrait.jpg", jpeg(1080, 1350))


# -- declaration ---------------------------------------------------------------------------------


def test_declares_its_rules_and_registers_by_dotted_path(settings):
    assert get_adapter_class("instagram") is InstagramAdapter
    cls = InstagramAdapter
    assert cls.supports == frozenset() and cls.idempotent is False
    assert cls.credential_fields == ("access_token",)
    assert cls.option_fields[:3] == ("ig_user_id", "graph_url", "api_version")
    rules = cls.rules
    assert (rules.text_limit, rules.max_hashtags, rules.links_clickable) == (2200, 30, False)
    assert rules.image.formats == ("JPEG",)
    assert rules.image.max_bytes == 8_000_000
    assert (rules.image.min_width, rules.image.max_width) == (320, 1440)
    assert rules.image.min_aspect == 0.8 and rules.image.max_aspect == 1.91
    assert rules.image.needs_public_url and rules.image.max_images == 1


def test_rule_defaults_can_be_overridden(graph):
    rules = make_adapter(graph.url, image_max_bytes="7000000", image_max_aspect="1.5")
    assert rules.rules_for_channel().image.max_bytes == 7_000_000
    assert rules.rules_for_channel().image.max_aspect == 1.5


# -- publishing ----------------------------------------------------------------------------------


def test_publish_creates_polls_and_publishes_a_container(graph, adapter, images, portrait):
    sleeps: list[float] = []
    adapter.sleep = sleeps.append

    receipt = adapter.publish(post(portrait))

    assert list(graph.media) == [receipt.remote_id]
    published = graph.media[receipt.remote_id]
    assert published["caption"] == CAPTION
    assert published["image"]["format"] == "JPEG"
    assert (published["image"]["width"], published["image"]["height"]) == (1080, 1350)
    assert receipt.url == published["permalink"]
    assert receipt.raw["container_id"] == published["container_id"]
    assert graph.containers[published["container_id"]]["status"] == "PUBLISHED"
    assert graph.quota_usage == 1
    assert len(images.requests_to("GET", "/media/portrait.jpg")) == 1  # Meta fetched it
    assert len(sleeps) == 2  # IN_PROGRESS once, then FINISHED

    paths = [(r.method, r.path.split("/", 2)[2]) for r in graph.requests]
    assert paths == [
        ("GET", f"{IG_USER}/content_publishing_limit"),
        ("POST", f"{IG_USER}/media"),
        ("GET", published["container_id"]),
        ("GET", published["container_id"]),
        ("POST", f"{IG_USER}/media_publish"),
        ("GET", receipt.remote_id),
    ]
    create = graph.requests[1]
    assert create.value("caption") == CAPTION  # '#' arrives intact (sent in the body)
    assert "access_token" not in create.query


def test_wide_image_within_191_to_1(graph, adapter, images):
    url = images.add("wide.jpg", jpeg(1910, 1000))
    receipt = adapter.publish(post(url))
    # Meta scales a width above 1440 px into range.
    assert graph.media[receipt.remote_id]["image"]["published_width"] == 1440


def test_post_without_an_image_is_refused(graph, adapter):
    with pytest.raises(PermanentError, match="Instagram needs an image"):
        adapter.publish(Post(text=CAPTION))
    assert graph.requests == []


@pytest.mark.parametrize(
    "url",
    ["", "/media/images/lathe.jpg", "ftp://acme.example/lathe.jpg", "http://127.0.0.1/x.jpg"],
)
def test_image_without_a_public_url_is_refused_with_what_to_set(settings, graph, adapter, url):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    adapter = make_adapter("https://graph.facebook.com")  # the default host: not contacted
    with pytest.raises(PermanentError) as info:
        adapter.publish(post(url))
    message = info.value.message
    assert "WAGTAILADMIN_BASE_URL" in message and "WAGTAILCROSSPOST_BASE_URL" in message
    assert "Site" in message
    assert graph.requests == []


def test_quota_exhausted_is_transient_until_the_window_frees(graph, adapter, portrait):
    graph.quota_usage = graph.quota_total = 50
    with pytest.raises(TransientError) as info:
        adapter.publish(post(portrait))
    assert info.value.retry_after == 86_400
    assert "50 of 50" in info.value.message
    assert graph.containers == {} and graph.media == {}


def test_quota_limit_answer_from_media_publish_is_transient(graph, adapter, portrait):
    graph.fail(
        400,
        {
            "error": {
                "message": "Application request limit reached",
                "code": 9,
                "error_subcode": 2207042,
                "type": "OAuthException",
            }
        },
        path=r".*/media_publish",
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(post(portrait))
    assert info.value.retry_after == 86_400
    assert graph.media == {}


def test_unreadable_quota_does_not_block_publishing(graph, adapter, portrait, caplog):
    graph.fail(
        400,
        {"error": {"message": "(#10) Not enough permission", "code": 10, "type": "OAuth"}},
        path=r".*/content_publishing_limit",
    )
    with caplog.at_level(logging.WARNING):
        receipt = adapter.publish(post(portrait))
    assert receipt.remote_id in graph.media
    assert "publishing anyway" in caplog.text and TOKEN not in caplog.text


@pytest.mark.parametrize("outcome", ["ERROR", "EXPIRED"])
def test_container_error_is_permanent_with_the_reason(graph, adapter, portrait, outcome):
    graph.container_outcome = outcome
    graph.container_error = "Media upload has failed with error code 2207003"
    with pytest.raises(PermanentError) as info:
        adapter.publish(post(portrait))
    assert outcome in info.value.message
    assert "2207003" in info.value.message
    assert graph.media == {}


def test_container_that_never_finishes_is_transient(adapter, images):
    with FakeGraph(ig_user_id=IG_USER, ig_token=TOKEN, container_polls=1000) as graph:
        adapter = make_adapter(graph.url)
        url = images.add("slow.jpg", jpeg(1080, 1080))
        with pytest.raises(TransientError, match="still processing"):
            adapter.publish(post(url))
        polls = graph.requests_to("GET", rf"/v25\.0/(?!{IG_USER})\d+")
        assert len(polls) == len(InstagramAdapter.container_poll_delays)
        assert graph.media == {}


def test_publish_timeout_after_sending_is_ambiguous(graph, adapter, portrait):
    graph.drop(process=True, method="POST", path=r".*/media_publish")
    with pytest.raises(AmbiguousError):
        adapter.publish(post(portrait))
    assert len(graph.media) == 1


def test_lost_answer_on_container_creation_is_safe_to_retry(graph, adapter, portrait):
    graph.drop(process=True, method="POST", path=rf"/v25\.0/{IG_USER}/media")
    with pytest.raises(TransientError):
        adapter.publish(post(portrait))
    receipt = adapter.publish(post(portrait))
    assert list(graph.media) == [receipt.remote_id]


# -- what Meta refuses ---------------------------------------------------------------------------


def test_png_is_refused_with_metas_words(graph, adapter, images):
    url = images.add("lathe.png", jpeg(1080, 1080, fmt="PNG"), "image/png")
    with pytest.raises(PermanentError, match="JPEG is the only supported image format") as info:
        adapter.publish(post(url))
    assert info.value.raw["body"]["error"]["code"] == 9004


def test_bad_aspect_ratio_is_refused(graph, adapter, images):
    url = images.add("tall.jpg", jpeg(600, 1200))
    with pytest.raises(PermanentError, match="aspect ratio") as info:
        adapter.publish(post(url))
    error = info.value.raw["body"]["error"]
    assert (error["code"], error["error_subcode"]) == (36003, 2207009)


def test_too_large_image_is_refused(graph, adapter, images):
    url = images.add("huge.jpg", jpeg(1080, 1080, padding=9 * 1024 * 1024))
    with pytest.raises(PermanentError, match="too large"):
        adapter.publish(post(url))


def test_image_that_cannot_be_fetched_is_refused(graph, adapter, images):
    with pytest.raises(PermanentError, match="Media download has failed"):
        adapter.publish(post(images.url_for("/media/missing.jpg")))


def test_caption_too_long_or_too_many_hashtags(graph, adapter, portrait):
    with pytest.raises(PermanentError, match="caption is too long"):
        adapter.publish(post(portrait, text="x" * 2201))
    tags = " ".join(f"#tag{i}" for i in range(31))
    with pytest.raises(PermanentError, match="more than 30 hashtags"):
        adapter.publish(post(portrait, text=tags))
    assert graph.containers == {}


def test_invalid_token_needs_reconnect_and_stays_secret(graph, portrait, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "EAABadToken-" + TOKEN
    adapter = make_adapter(graph.url, token=bad)
    with pytest.raises(AuthError) as info:
        adapter.publish(post(portrait))
    assert bad not in str(info.value) and bad not in repr(info.value.raw)
    assert bad not in caplog.text
    assert adapter.check().needs_reconnect


def test_rate_limit_uses_the_app_usage_header(graph, adapter, portrait):
    graph.fail(
        403,
        {
            "error": {
                "message": "(#4) Application request limit reached",
                "code": 4,
                "is_transient": True,
                "type": "OAuthException",
            }
        },
        headers={
            "X-App-Usage": json.dumps(
                {"call_count": 100, "total_time": 20, "estimated_time_to_regain_access": 12}
            )
        },
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(post(portrait))
    assert info.value.retry_after == 720


# -- no edit, no delete; check -------------------------------------------------------------------


def test_update_and_delete_are_not_available(adapter):
    receipt = Receipt(remote_id="1", url="https://www.instagram.com/p/abc/")
    with pytest.raises(PermanentError, match="edit"):
        adapter.update(receipt, Post(text="x"))
    with pytest.raises(PermanentError, match="Delete it in the Instagram app"):
        adapter.delete(receipt)


def test_check_names_the_account(graph, adapter):
    health = adapter.check()
    assert health.ok and health.detail == "@acme.machines"


def test_missing_account_id_is_a_configuration_error(graph):
    adapter = make_adapter(graph.url, ig_user_id="")
    with pytest.raises(ConfigurationError, match="Instagram account id"):
        adapter.publish(Post(text="x"))
