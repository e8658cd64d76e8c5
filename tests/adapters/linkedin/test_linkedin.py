"""The LinkedIn adapter against the strict fake Posts/Images API, over real HTTP."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from tests.adapters import PNG
from tests.fakes.linkedin import TOKEN, FakeLinkedIn
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
from wagtail_crosspost.adapters.linkedin.adapter import LinkedInAdapter
from wagtail_crosspost.adapters.linkedin.errors import seconds_until_midnight_utc
from wagtail_crosspost.adapters.linkedin.options import DEFAULT_VERSION
from wagtail_crosspost.compose.length import escape_little
from wagtail_crosspost.models import Channel

PAGE = "urn:li:organization:5515715"
MEMBER = "urn:li:person:AbC123xYz"


@pytest.fixture
def server():
    with FakeLinkedIn() as fake:
        yield fake


def make_adapter(api_base: str, token: str = TOKEN, **options) -> LinkedInAdapter:
    options.setdefault("author_urn", PAGE)
    channel = Channel(
        platform="linkedin", name="Company LinkedIn", options={"api_base": api_base, **options}
    )
    channel.set_credentials({"access_token": token})
    adapter = LinkedInAdapter(channel)
    adapter.sleep = lambda seconds: None
    return adapter


@pytest.fixture
def adapter(server):
    return make_adapter(server.url)


def image(alt: str = "A lathe in the workshop") -> Media:
    return Media(
        content=PNG,
        mime_type="image/png",
        filename="lathe.png",
        width=1200,
        height=675,
        alt_text=alt,
    )


TEXT = "New machine (the L-200) for #industry: [details] at 50% off_ *today*"


def post(text: str = TEXT, **kwargs) -> Post:
    return Post(text=text, **kwargs)


def assert_no_token(error: BaseException, caplog, token: str = TOKEN) -> None:
    assert token not in str(error) and token not in repr(getattr(error, "raw", None))
    assert token not in caplog.text


# -- publishing ----------------------------------------------------------------------------------


def test_text_post_as_a_page_is_escaped_and_shown_in_full(server, adapter):
    receipt = adapter.publish(post())

    (stored,) = server.posts.values()
    assert stored["author"] == PAGE
    assert stored["commentary"] == escape_little(TEXT)
    assert stored["visible"] == TEXT  # nothing cut: every reserved character was escaped
    assert stored["content"] is None
    assert receipt.remote_id == stored["id"]
    assert receipt.url == f"https://www.linkedin.com/feed/update/{stored['id']}/"
    (request,) = server.requests
    assert request.headers["LinkedIn-Version"] == DEFAULT_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.json["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert request.json["lifecycleState"] == "PUBLISHED"


def test_the_fake_cuts_unescaped_text_like_linkedin():
    from tests.fakes.linkedin import visible_text

    assert visible_text("Hello (world)") == "Hello "
    assert visible_text(escape_little("Hello (world)")) == "Hello (world)"


def test_text_post_as_a_member(server):
    adapter = make_adapter(server.url, author_urn=MEMBER)
    adapter.publish(post("Hello"))
    assert next(iter(server.posts.values()))["author"] == MEMBER


def test_link_becomes_an_article_card_with_thumbnail(server, adapter):
    receipt = adapter.publish(
        post(
            "Read about our new lathe",
            link="https://example.com/news/lathe",
            title="The L-200 lathe",
            description="Faster, quieter, smaller.",
            media=(image(), image("second, not uploaded")),
        )
    )
    article = server.posts[receipt.remote_id]["content"]["article"]
    assert article["source"] == "https://example.com/news/lathe"
    assert article["title"] == "The L-200 lathe"
    assert article["description"] == "Faster, quieter, smaller."
    thumb = server.images[article["thumbnail"]]
    assert thumb["content"] == PNG and thumb["owner"] == PAGE
    assert len(server.images) == 1  # one thumbnail, so one upload
    upload = server.requests_to("PUT")[0]
    assert upload.bearer_token == TOKEN
    assert upload.headers["Content-Type"] == "image/png"


def test_article_without_an_image(server, adapter):
    receipt = adapter.publish(post("Read", link="https://example.com/a", title="A"))
    article = server.posts[receipt.remote_id]["content"]["article"]
    assert "thumbnail" not in article


def test_link_card_can_be_switched_off(server):
    adapter = make_adapter(server.url, link_card="false")
    receipt = adapter.publish(post("Read", link="https://example.com/a", media=(image(),)))
    assert "media" in server.posts[receipt.remote_id]["content"]


def test_image_post_with_alt_text(server, adapter):
    receipt = adapter.publish(post(media=(image(),)))
    media = server.posts[receipt.remote_id]["content"]["media"]
    assert media["altText"] == "A lathe in the workshop"
    assert server.images[media["id"]]["status"] == "AVAILABLE"
    assert [r.method + " " + r.path for r in server.requests] == [
        "POST /rest/images",
        f"PUT /dms-uploads/{media['id'].rsplit('Q', 1)[1]}",
        f"GET /rest/images/{media['id'].replace(':', '%3A')}",
        "POST /rest/posts",
    ]
    assert server.requests[0].query == {"action": ["initializeUpload"]}
    assert server.requests[0].json == {"initializeUploadRequest": {"owner": PAGE}}


def test_several_images_make_a_multi_image_post(server, adapter):
    receipt = adapter.publish(post(media=(image("one"), image("two"), image("three"))))
    images = server.posts[receipt.remote_id]["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["one", "two", "three"]


def test_image_still_processing_is_polled():
    with FakeLinkedIn(processing_polls=3) as fake:
        adapter = make_adapter(fake.url)
        adapter.publish(post(media=(image(),)))
        assert len(fake.requests_to("GET", r"/rest/images/.+")) == 3


def test_image_that_never_gets_ready_is_transient_and_posts_nothing():
    with FakeLinkedIn(processing_polls=100) as fake:
        adapter = make_adapter(fake.url)
        with pytest.raises(TransientError, match="still processing"):
            adapter.publish(post(media=(image(),)))
        assert fake.posts == {}


def test_update_changes_the_commentary(server, adapter):
    receipt = adapter.publish(post("First (version)"))
    updated = adapter.update(Receipt(remote_id=receipt.remote_id), post("Second (version)"))
    assert updated.remote_id == receipt.remote_id
    assert updated.url == receipt.url
    stored = server.posts[receipt.remote_id]
    assert stored["visible"] == "Second (version)"
    request = server.requests[-1]
    assert request.headers["X-RestLi-Method"] == "PARTIAL_UPDATE"
    assert request.json == {"patch": {"$set": {"commentary": "Second \\(version\\)"}}}


def test_delete_encodes_the_urn_and_is_idempotent(server, adapter):
    receipt = adapter.publish(post())
    adapter.delete(receipt)
    assert server.posts == {}
    adapter.delete(receipt)  # LinkedIn answers 204 again
    adapter.delete(Receipt(remote_id="urn:li:share:1"))  # never existed: 404 is fine too
    assert server.requests_to("DELETE")[0].path.startswith("/rest/posts/urn%3Ali%3Ashare%3A")


def test_check_for_a_page_and_for_a_member(server, adapter):
    assert adapter.check().detail == "Muster Maschinenbau GmbH"
    member = make_adapter(server.url, author_urn=MEMBER).check()
    assert member.ok and member.detail == "Erika Mustermann"
    other = make_adapter(server.url, author_urn="urn:li:person:someoneelse").check()
    assert not other.ok and other.needs_reconnect


# -- errors --------------------------------------------------------------------------------------


def test_expired_token_is_an_auth_error_without_the_token(server, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    server.member.expired = True
    with pytest.raises(AuthError) as info:
        adapter.publish(post(media=(image(),)))
    assert info.value.status_code == 401
    assert "expired" in info.value.message
    assert_no_token(info.value, caplog)
    assert adapter.check().needs_reconnect


def test_wrong_token(server, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "AQV-wrong-token-987654321"
    with pytest.raises(AuthError) as info:
        make_adapter(server.url, token=bad).publish(post())
    assert_no_token(info.value, caplog, bad)


def test_page_the_member_does_not_administer_needs_reconnect(server):
    adapter = make_adapter(server.url, author_urn="urn:li:organization:999")
    with pytest.raises(AuthError, match="Not enough permissions"):
        adapter.publish(post())


def test_throttle_is_transient_until_midnight_utc(server, adapter):
    server.throttle()
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert info.value.status_code == 429
    assert abs(info.value.retry_after - seconds_until_midnight_utc()) < 5


def test_seconds_until_midnight_utc():
    assert seconds_until_midnight_utc(datetime(2026, 3, 1, 23, 0, tzinfo=UTC)) == 3600


def test_too_long_commentary_is_permanent_with_linkedins_message(server, adapter):
    with pytest.raises(PermanentError, match="length of commentary exceeds") as info:
        adapter.publish(post("a" * 3001))
    assert info.value.status_code == 422
    adapter.publish(post("a" * 3000))


def test_validation_error_is_permanent(server, adapter):
    server.fail(
        400,
        {"status": 400, "message": "Invalid URN", "code": "ILLEGAL_ARGUMENT"},
        path="/rest/posts",
    )
    with pytest.raises(PermanentError, match="LinkedIn refused the post: Invalid URN"):
        adapter.publish(post())


def test_sunset_version_is_permanent_and_named(server):
    with pytest.raises(PermanentError, match="202301 is not active"):
        make_adapter(server.url, linkedin_version="202301").publish(post())


def test_server_error_is_transient(server, adapter):
    server.fail(503, {"status": 503, "message": "Service Unavailable"})
    with pytest.raises(TransientError):
        adapter.publish(post())


def test_intermittent_forbidden_is_transient(server, adapter):
    server.fail(403, {"status": 403, "message": "Unable to obtain activity"}, path="/rest/posts")
    with pytest.raises(TransientError):
        adapter.publish(post())


def test_lost_answer_is_ambiguous(server, adapter):
    server.drop(process=True, method="POST", path="/rest/posts")
    with pytest.raises(AmbiguousError):
        adapter.publish(post())
    assert len(server.posts) == 1


def test_created_without_an_id_is_ambiguous(server, adapter):
    server.fail(201, b"", path="/rest/posts")  # no x-restli-id header
    with pytest.raises(AmbiguousError):
        adapter.publish(post())


def test_upload_url_elsewhere_is_refused(server, adapter):
    server.fail(
        200,
        {"value": {"uploadUrl": "https://evil.example/steal", "image": "urn:li:image:X"}},
        path="/rest/images",
    )
    with pytest.raises(PermanentError, match="unexpected upload address"):
        adapter.publish(post(media=(image(),)))
    assert server.requests_to("PUT") == []


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize("author", ["", "5515715", "urn:li:company:1", "urn:li:person:"])
def test_bad_author(server, author):
    with pytest.raises(ConfigurationError):
        make_adapter(server.url, author_urn=author).publish(post())
    assert server.requests == []


def test_clean_options():
    cleaned = LinkedInAdapter.clean_options({"author_urn": f" {PAGE} ", "linkedin_version": ""})
    assert cleaned == {"author_urn": PAGE, "linkedin_version": DEFAULT_VERSION, "link_card": True}
    with pytest.raises(ConfigurationError):
        LinkedInAdapter.clean_options({"author_urn": PAGE, "linkedin_version": "2026-01"})


def test_api_base_must_be_https_without_the_setting(settings, server):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError):
        make_adapter(server.url).publish(post())
    assert server.requests == []


def test_rules():
    rules = LinkedInAdapter.rules
    assert (rules.text_limit, rules.counting, rules.link_card) == (3000, "linkedin", True)
    assert rules.image.max_pixels < 36_152_320
