"""The X adapter against the strict fake X API v2 server, OAuth 2 and OAuth 1.0a, over real HTTP."""

from __future__ import annotations

import logging
import time

import pytest

from tests.adapters import PNG
from tests.fakes.x import FakeX
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
from wagtail_crosspost.adapters.x import XAdapter
from wagtail_crosspost.compose.length import measure
from wagtail_crosspost.models import Channel


@pytest.fixture
def server():
    with FakeX() as fake:
        yield fake


def oauth2_credentials(server: FakeX) -> dict:
    grant = server.bearer
    return {
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "expires_at": int(grant.expires_at),
    }


def oauth1_credentials(server: FakeX) -> dict:
    return {
        "consumer_key": server.app.consumer_key,
        "consumer_secret": server.app.consumer_secret,
        "access_token": server.oauth1_grant.access_token,
        "access_token_secret": server.oauth1_grant.oauth1_secret,
    }


def make_adapter(server: FakeX, auth: str = "oauth2", credentials: dict | None = None, **options):
    channel = Channel(
        platform="x", name="Company X", options={"api_base": server.url, "auth": auth, **options}
    )
    if credentials is None:
        credentials = oauth1_credentials(server) if auth == "oauth1" else oauth2_credentials(server)
    channel.set_credentials(credentials)
    return XAdapter(channel)


@pytest.fixture(params=["oauth2", "oauth1"])
def adapter(request, server):
    return make_adapter(server, request.param)


def image(alt: str = "A lathe in the workshop") -> Media:
    return Media(
        content=PNG,
        mime_type="image/png",
        filename="lathe.png",
        width=1200,
        height=675,
        alt_text=alt,
    )


def post(text: str = "New machine: https://example.com/news/lathe", **kwargs) -> Post:
    return Post(text=text, **kwargs)


def secrets_of(credentials: dict) -> list[str]:
    return [str(v) for v in credentials.values() if isinstance(v, str)]


# -- publishing (both auth modes) ----------------------------------------------------------------


def test_text_post(server, adapter):
    receipt = adapter.publish(post())
    (tweet,) = server.tweets.values()
    assert tweet["text"] == "New machine: https://example.com/news/lathe"
    assert receipt.remote_id == tweet["id"]
    assert receipt.url == f"https://x.com/i/web/status/{tweet['id']}"
    (request,) = server.requests
    assert request.json == {"text": "New machine: https://example.com/news/lathe"}


def test_images_with_alt_text(server, adapter):
    receipt = adapter.publish(post(media=(image("First"), image("Second"))))
    tweet = server.tweets[receipt.remote_id]
    assert [server.media[m]["alt_text"] for m in tweet["media_ids"]] == ["First", "Second"]
    assert server.media[tweet["media_ids"][0]]["content"] == PNG
    paths = [r.path for r in server.requests]
    assert paths == [
        "/2/media/upload",
        "/2/media/metadata",
        "/2/media/upload",
        "/2/media/metadata",
        "/2/tweets",
    ]
    assert server.requests[0].value("media_category") == "tweet_image"
    assert server.requests[-1].json["media"] == {"media_ids": tweet["media_ids"]}


def test_image_without_alt_text_skips_metadata(server, adapter):
    adapter.publish(post(media=(image(""),)))
    assert [r.path for r in server.requests] == ["/2/media/upload", "/2/tweets"]


def test_delete(server, adapter):
    receipt = adapter.publish(post())
    adapter.delete(Receipt(remote_id=receipt.remote_id))
    assert server.tweets == {}
    adapter.delete(receipt)  # already gone: not an error


def test_check_names_the_account(server, adapter):
    health = adapter.check()
    assert health.ok and health.detail == "@companyhq"


def test_oauth1_signs_every_request_and_the_fake_verifies_it(server):
    adapter = make_adapter(server, "oauth1")
    adapter.publish(post(media=(image(),)))
    for request in server.requests:
        header = request.headers["Authorization"]
        assert header.startswith("OAuth ")
        assert 'oauth_signature_method="HMAC-SHA1"' in header
    assert len(server.nonces) == 3


def test_oauth1_with_a_wrong_secret_is_an_auth_error(server, caplog):
    caplog.set_level(logging.DEBUG)
    credentials = {**oauth1_credentials(server), "access_token_secret": "wrong-secret-value"}
    adapter = make_adapter(server, "oauth1", credentials)
    with pytest.raises(AuthError) as info:
        adapter.publish(post())
    assert info.value.status_code == 401
    for secret in secrets_of(credentials):
        assert secret not in info.value.message and secret not in repr(info.value.raw)
    # oauthlib's own DEBUG lines name the consumer key and token id (sent in clear in every
    # OAuth 1.0a header anyway) but mask both secrets.
    for secret in (credentials["consumer_secret"], credentials["access_token_secret"]):
        assert secret not in caplog.text
    assert server.tweets == {}


# -- errors --------------------------------------------------------------------------------------


def test_expired_oauth2_token_is_an_auth_error_without_the_token(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.bearer.expires_at = time.time() - 1
    credentials = oauth2_credentials(server)
    adapter = make_adapter(server, credentials=credentials)
    with pytest.raises(AuthError) as info:
        adapter.publish(post())
    assert "Invalid or expired token" in info.value.message
    assert info.value.raw["body"] == {
        "errors": [{"message": "Invalid or expired token", "code": 89}]
    }
    for secret in secrets_of(credentials):
        assert secret not in str(info.value) and secret not in repr(info.value.raw)
        assert secret not in caplog.text
    assert adapter.check().needs_reconnect


def test_rate_limit_waits_until_x_rate_limit_reset(server, adapter):
    server.limit("POST /2/tweets", remaining=0, reset_in=600)
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert info.value.status_code == 429
    assert 590 <= info.value.retry_after <= 601
    assert info.value.raw["body"] == {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert server.tweets == {}


def test_duplicate_text_is_permanent_with_a_clear_sentence(server, adapter):
    adapter.publish(post())
    with pytest.raises(PermanentError, match="X refuses identical text") as info:
        adapter.publish(post())
    assert info.value.status_code == 403
    assert "duplicate content" in info.value.raw["body"]["detail"]
    assert len(server.tweets) == 1


def test_weighted_length_280(server, adapter):
    fits = "漢" * 140  # CJK weighs 2
    assert measure(fits, "x") == 280
    adapter.publish(post(fits))
    with pytest.raises(PermanentError, match="too long") as info:
        adapter.publish(post(fits + "a"))
    assert info.value.status_code == 400
    long_url = "a" * 255 + " https://example.com/" + "p" * 200  # the URL counts 23
    adapter.publish(post(long_url))


def test_five_images_are_refused(server, adapter):
    with pytest.raises(PermanentError, match="maximum of 4 items"):
        adapter.publish(post(media=tuple(image(f"{i}") for i in range(5))))


def test_too_long_alt_text_is_permanent(server, adapter):
    with pytest.raises(PermanentError, match="at most 1000"):
        adapter.publish(post(media=(image("a" * 1001),)))
    assert server.tweets == {}


def test_server_error_is_transient(server, adapter):
    server.fail(503, {"title": "Service Unavailable", "detail": "Service Unavailable"})
    with pytest.raises(TransientError, match="Service Unavailable"):
        adapter.publish(post())


def test_lost_answer_is_ambiguous(server, adapter):
    server.drop(process=True, method="POST", path="/2/tweets")
    with pytest.raises(AmbiguousError):
        adapter.publish(post())
    assert len(server.tweets) == 1
    assert XAdapter.idempotent is False  # the outbox must not retry blindly


def test_lost_upload_answer_is_safe_to_retry(server, adapter):
    server.drop(process=True, path="/2/media/upload")
    with pytest.raises(TransientError):
        adapter.publish(post(media=(image(),)))
    assert server.tweets == {}


def test_unsupported_authentication_needs_reconnect(server, adapter):
    server.fail(
        403,
        {
            "title": "Unsupported Authentication",
            "status": 403,
            "detail": "Unsupported Authentication",
        },
    )
    with pytest.raises(AuthError):
        adapter.publish(post())


def test_missing_credentials(server):
    with pytest.raises(AuthError):
        make_adapter(server, "oauth1", {"consumer_key": "k"}).publish(post())
    with pytest.raises(AuthError):
        make_adapter(server, "oauth2", {}).publish(post())
    assert server.requests == []


def test_unknown_auth_mode_is_a_configuration_error(server):
    with pytest.raises(ConfigurationError):
        make_adapter(server, "basic", {"access_token": "x"}).publish(post())


# -- OAuth 2 refresh -----------------------------------------------------------------------------


# -- rules and options ---------------------------------------------------------------------------


def test_rules():
    rules = XAdapter.rules
    assert (rules.text_limit, rules.url_weight, rules.counting) == (280, 23, "twitter")
    assert rules.image.max_images == 4
    assert rules.image.max_bytes == 5_000_000
    assert rules.image.alt_text_limit == 1000
    assert "link" in str(XAdapter.form_help)


def test_premium_length_is_a_channel_option(server):
    assert make_adapter(server, max_characters="4000").rules_for_channel().text_limit == 4000
    assert make_adapter(server).rules_for_channel().text_limit == 280


def test_api_base_must_be_https_without_the_setting(settings, server):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError):
        make_adapter(server).publish(post())
    assert server.requests == []


# -- threads (reply chains) ----------------------------------------------------------------------


def thread_post() -> Post:
    return post(
        text="Our new lathe, part one. https://example.com/news/lathe 1/3",
        thread=("The second part, about speed. 2/3", "The third part, about noise. 3/3"),
    )


def test_thread_options_are_offered():
    assert "thread" in XAdapter.supports
    assert {"long_text", "thread_max_parts"} <= set(XAdapter.get_form_fields())
    cleaned = XAdapter.clean_options({"auth": "oauth2", "long_text": "thread"})
    assert (cleaned["long_text"], cleaned["thread_max_parts"]) == ("thread", 4)


def test_a_thread_is_posted_as_replies(server, adapter):
    receipt = adapter.publish(thread_post())
    root, second, third = server.tweets.values()
    assert [t["text"] for t in (root, second, third)] == list(thread_post().texts)
    assert (root["in_reply_to"], second["in_reply_to"], third["in_reply_to"]) == (
        None,
        root["id"],
        second["id"],
    )
    bodies = [r.json for r in server.requests_to("POST", "/2/tweets")]
    assert bodies[1]["reply"] == {"in_reply_to_tweet_id": root["id"]}
    assert receipt.remote_id == root["id"]
    assert receipt.raw["thread"] == [
        {"id": t["id"], "url": f"https://x.com/i/web/status/{t['id']}"} for t in (second, third)
    ]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "body": {"title": "Service Unavailable"}},  # would be transient
        {"status": 429, "body": {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}},
        {"status": 403, "body": {"detail": "Unsupported Authentication"}},  # would be auth
    ],
)
def test_a_failed_reply_is_never_retried_and_the_log_says_the_thread_is_incomplete(
    server, adapter, fault
):
    server.fail(fault["status"], fault["body"], path="/2/tweets", after=1)
    receipt = adapter.publish(thread_post())  # no error: a retry would post the first post again

    [root] = server.tweets.values()
    assert receipt.remote_id == root["id"] and receipt.raw["thread"] == []
    [note] = receipt.notes
    assert "incomplete" in note and "1 of 3" in note and "not sent again" in note


def test_a_lost_reply_answer_stops_the_thread_without_repeating_anything(server, adapter):
    server.drop(process=True, path="/2/tweets", method="POST", after=1)  # the reply's answer
    receipt = adapter.publish(thread_post())
    assert len(server.tweets) == 2  # the reply went out, but we cannot know that
    assert receipt.raw["thread"] == []
    [note] = receipt.notes
    assert "incomplete" in note and "part 2" in note
