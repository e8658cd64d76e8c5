"""The Mastodon adapter against the strict fake Mastodon server, over real HTTP."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest

from tests.adapters import PNG
from tests.fakes.mastodon import FakeMastodon, Limits, status_length
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
    UnreachableError,
)
from wagtail_crosspost.adapters.http import trim
from wagtail_crosspost.adapters.mastodon.adapter import MastodonAdapter, rules_from_instance
from wagtail_crosspost.models import Channel

TOKEN = "s3cret-access-token-1234"


@pytest.fixture
def server():
    with FakeMastodon(token=TOKEN) as fake:
        yield fake


def make_adapter(server_url: str, token: str = TOKEN, **options) -> MastodonAdapter:
    channel = Channel(
        platform="mastodon", name="Company Mastodon", options={"server_url": server_url, **options}
    )
    channel.set_credentials({"access_token": token})
    adapter = channel.get_adapter()
    assert isinstance(adapter, MastodonAdapter)
    adapter.sleep = lambda seconds: None
    return adapter


@pytest.fixture
def adapter(server):
    return make_adapter(server.url + "/")  # trailing slash is normalised


def image(alt: str = "A lathe in the workshop", **kwargs) -> Media:
    return Media(
        content=PNG,
        mime_type="image/png",
        filename="lathe.png",
        width=1200,
        height=675,
        alt_text=alt,
        **kwargs,
    )


def post(text: str = "New machine: https://example.com/news/lathe", **kwargs) -> Post:
    kwargs.setdefault("idempotency_key", "pub-1-key")
    return Post(text=text, **kwargs)


def assert_no_token(error: Exception, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in str(error)
    assert TOKEN not in getattr(error, "message", "")
    assert TOKEN not in repr(getattr(error, "raw", ""))
    assert TOKEN not in caplog.text


# -- registry and declaration --------------------------------------------------------------------


def test_adapter_is_registered_and_declares_its_capabilities():
    cls = get_adapter_class("mastodon")
    assert cls is MastodonAdapter
    assert cls.supports == {"update", "delete", "alt_text", "thread"}
    assert cls.idempotent is True
    assert cls.credential_fields == ("access_token",)
    assert cls.option_fields == (
        "server_url",
        "visibility",
        "language",
        "long_text",
        "thread_max_parts",
    )
    assert str(cls.label) == "Mastodon"
    assert cls.rules.text_limit == 500 and cls.rules.counting == "mastodon"
    assert cls.rules.url_weight == 23 and cls.rules.image.max_images == 4


def test_repr_does_not_show_the_token(adapter):
    assert TOKEN not in repr(adapter)


# -- publishing ----------------------------------------------------------------------------------


def test_publish_with_image_and_alt_text(server, adapter):
    receipt = adapter.publish(post(media=(image(focal_point=(0.5, -0.25)),), language="de-CH"))

    assert list(server.statuses) == [receipt.remote_id]
    assert isinstance(receipt.remote_id, str)
    status = server.statuses[receipt.remote_id]
    assert status["text"] == "New machine: https://example.com/news/lathe"
    assert status["visibility"] == "public"
    assert status["language"] == "de"
    [media_id] = status["media_ids"]
    attachment = server.media[media_id]
    assert attachment["description"] == "A lathe in the workshop"
    assert attachment["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert attachment["_content"] == PNG
    assert receipt.url == f"{server.url}/@crossposter/{receipt.remote_id}"
    assert receipt.raw["id"] == receipt.remote_id
    assert receipt.raw["media_attachments"][0]["description"] == "A lathe in the workshop"

    [upload] = server.requests_to("POST", "/api/v2/media")
    assert upload.file("file").content_type == "image/png"
    [create] = server.requests_to("POST", "/api/v1/statuses")
    assert create.headers["Idempotency-Key"] == "pub-1-key"
    assert create.headers["Authorization"] == f"Bearer {TOKEN}"
    assert create.values("media_ids[]") == [media_id]


def test_visibility_and_language_come_from_the_channel_options(server):
    adapter = make_adapter(server.url, visibility="Unlisted", language="fr")
    receipt = adapter.publish(post())
    status = server.statuses[receipt.remote_id]
    assert status["visibility"] == "unlisted"
    assert status["language"] == "fr"


def test_bad_visibility_is_a_configuration_error(server):
    adapter = make_adapter(server.url, visibility="everyone")
    with pytest.raises(ConfigurationError):
        adapter.publish(post(media=(image(),)))
    assert server.requests == []


def test_urls_count_23_so_a_long_link_fits(server, adapter):
    text = "x" * 470 + " https://example.com/" + "a" * 300
    assert status_length(text) == 494
    receipt = adapter.publish(post(text))
    assert server.statuses[receipt.remote_id]["text"] == text


def test_four_images_but_not_five(server, adapter):
    receipt = adapter.publish(post(media=tuple(image(f"Image {i}") for i in range(4))))
    assert len(server.statuses[receipt.remote_id]["media_ids"]) == 4
    with pytest.raises(PermanentError, match="Cannot attach more than 4 files"):
        adapter.publish(post(idempotency_key="other", media=tuple(image() for _ in range(5))))


def test_edit_and_delete(server, adapter):
    receipt = adapter.publish(post("First version", media=(image(),)))
    old_media = server.statuses[receipt.remote_id]["media_ids"]

    updated = adapter.update(receipt, post("Second version", media=(image("New alt"),)))

    assert updated.remote_id == receipt.remote_id
    status = server.statuses[receipt.remote_id]
    assert status["text"] == "Second version"
    assert status["edits"] == 1
    assert status["media_ids"] != old_media
    assert server.media[status["media_ids"][0]]["description"] == "New alt"
    assert updated.raw["edited_at"]

    adapter.delete(receipt)
    assert server.statuses == {}
    adapter.delete(receipt)  # already gone: not an error
    assert len(server.requests_to("DELETE")) == 2


def test_update_of_a_missing_status_is_permanent(server, adapter):
    with pytest.raises(PermanentError):
        adapter.update(Receipt(remote_id="does-not-exist"), post())


def test_opaque_string_ids(adapter):
    class LetterIds(FakeMastodon):
        counter = 0

        def _next_id(self):
            LetterIds.counter += 1
            return f"A{LetterIds.counter}xYz"

    with LetterIds(token=TOKEN) as fake:
        adapter = make_adapter(fake.url)
        receipt = adapter.publish(post(media=(image(),)))
        assert receipt.remote_id in fake.statuses
        adapter.delete(receipt)
        assert fake.statuses == {}


# -- never twice ---------------------------------------------------------------------------------


def test_retry_after_a_lost_answer_does_not_post_twice(server, adapter):
    # The server creates the status, then hangs up before answering.
    server.drop(process=True, method="POST", path="/api/v1/statuses")

    # "Maybe sent" even with the key: the outbox retries (same key) and notes when, because
    # the server forgets the key after an hour (issue 12).
    with pytest.raises(AmbiguousError) as info:
        adapter.publish(post(media=(image(),)))
    assert "could not reach" not in info.value.message.lower()
    assert len(server.statuses) == 1

    receipt = adapter.publish(post(media=(image(),)))  # the outbox retries with the same key

    assert list(server.statuses) == [receipt.remote_id]
    creates = server.requests_to("POST", "/api/v1/statuses")
    assert [r.headers["Idempotency-Key"] for r in creates] == ["pub-1-key", "pub-1-key"]


def test_timeout_after_sending_with_a_key_is_ambiguous_and_the_retry_is_safe(settings, server):
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 0.3)
    adapter = make_adapter(server.url)
    adapter.rules_for_channel()  # the software is known (Mastodon: it honours the key)
    server.delay(0.8, method="POST", path="/api/v1/statuses")

    with pytest.raises(AmbiguousError):
        adapter.publish(post())
    receipt = adapter.publish(post())

    # The slow first request finishes later and finds the key already used.
    import time

    deadline = time.monotonic() + 3
    while len(server.requests_to("POST", "/api/v1/statuses")) < 2 or any(
        r.status is None for r in server.requests_to("POST", "/api/v1/statuses")
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert list(server.statuses) == [receipt.remote_id]


def test_without_a_key_a_lost_answer_is_ambiguous(server, adapter):
    server.drop(process=True, method="POST", path="/api/v1/statuses")
    with pytest.raises(AmbiguousError):
        adapter.publish(post(idempotency_key=""))
    assert len(server.statuses) == 1


def test_different_keys_make_different_statuses(server, adapter):
    adapter.publish(post(idempotency_key="a"))
    adapter.publish(post(idempotency_key="b"))
    assert len(server.statuses) == 2


# -- errors --------------------------------------------------------------------------------------


def test_bad_token_is_an_auth_error_without_the_token(server, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "wrong-token-" + TOKEN
    adapter = make_adapter(server.url, token=bad)
    with pytest.raises(AuthError) as info:
        adapter.publish(post(media=(image(),)))
    error = info.value
    assert error.status_code == 401
    assert "The access token is invalid" in error.message
    assert bad not in str(error) and bad not in repr(error.raw) and bad not in caplog.text
    assert server.statuses == {} and server.media == {}

    health = adapter.check()
    assert not health.ok and health.needs_reconnect
    assert bad not in health.detail


def test_token_echoed_by_the_server_is_scrubbed(server, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    server.fail(
        401, {"error": f"The access token {TOKEN} is invalid"}, method="POST", path=r"/api/v1/.*"
    )
    with pytest.raises(AuthError) as info:
        adapter.publish(post())
    assert_no_token(info.value, caplog)
    assert "[redacted]" in info.value.message


def test_compatible_server_refusing_the_token_with_422(adapter):
    with FakeMastodon(token=TOKEN, bad_token_status=422) as fake:
        adapter = make_adapter(fake.url, token="nope-nope")
        with pytest.raises(AuthError):
            adapter.publish(post())
        assert adapter.check().needs_reconnect


def test_missing_scope_is_an_auth_error(server, adapter):
    server.fail(403, {"error": "This action is outside the authorized scopes"})
    with pytest.raises(AuthError):
        adapter.publish(post())


def test_missing_token_needs_reconnect(server):
    adapter = make_adapter(server.url, token="")
    with pytest.raises(AuthError):
        adapter.publish(post())
    assert server.requests == []


def test_over_long_text_is_permanent_with_mastodons_words(server, adapter, caplog):
    with pytest.raises(PermanentError) as info:
        adapter.publish(post("é" * 501))
    assert "Validation failed: Text character limit of 500 exceeded" in info.value.message
    assert info.value.status_code == 422
    assert info.value.raw["body"]["error"].startswith("Validation failed")
    assert_no_token(info.value, caplog)
    assert server.statuses == {}


def test_grapheme_clusters_count_once(server, adapter):
    family = "👨‍👩‍👧‍👦"  # one grapheme, seven code points
    adapter.publish(post(family * 500))
    assert len(server.statuses) == 1


def test_unsupported_image_type_is_permanent(server, adapter):
    tiff = Media(content=b"II*\x00", mime_type="image/tiff", filename="a.tif", width=1, height=1)
    with pytest.raises(PermanentError, match="content type is invalid"):
        adapter.publish(post(media=(tiff,)))
    assert server.statuses == {}


def test_over_long_alt_text_is_permanent(server, adapter):
    with pytest.raises(PermanentError, match="Description is too long"):
        adapter.publish(post(media=(image("a" * 1501),)))


def test_rate_limit_is_transient_with_the_reset_time(server, adapter):
    reset = datetime.now(UTC) + timedelta(seconds=120)
    server.fail(
        429,
        {"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert 110 <= info.value.retry_after <= 121
    assert info.value.status_code == 429


def test_server_error_is_transient(server, adapter):
    server.fail(
        500, {"error": "Error processing thumbnail for uploaded media"}, path="/api/v2/media"
    )
    with pytest.raises(TransientError) as info:
        adapter.publish(post(media=(image(),)))
    assert "Error processing thumbnail" in info.value.message
    assert server.statuses == {}


def test_refused_connection_is_unreachable_check_the_address():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = make_adapter(f"http://127.0.0.1:{port}")
    with pytest.raises(UnreachableError, match="Check the address"):
        adapter.publish(post())


# -- media processing ----------------------------------------------------------------------------


def test_media_answered_202_is_polled_until_ready():
    with FakeMastodon(token=TOKEN, processing_polls=3) as fake:
        adapter = make_adapter(fake.url)
        sleeps: list[float] = []
        adapter.sleep = sleeps.append
        receipt = adapter.publish(post(media=(image(),)))

        assert len(fake.requests_to("GET", r"/api/v1/media/.+")) == 3
        assert len(sleeps) == 3
        media_id = fake.statuses[receipt.remote_id]["media_ids"][0]
        assert fake.media[media_id]["url"]


def test_media_that_never_gets_ready_is_transient_and_posts_nothing():
    with FakeMastodon(token=TOKEN, processing_polls=100) as fake:
        adapter = make_adapter(fake.url)
        with pytest.raises(TransientError):
            adapter.publish(post(media=(image(),)))
        assert len(fake.requests_to("GET", r"/api/v1/media/.+")) == len(
            MastodonAdapter.media_poll_delays
        )
        assert fake.statuses == {}


def test_server_without_media_lookup_lets_the_status_decide():
    # Some compatible servers have no GET /api/v1/media/:id; a still-processing error is transient.
    with FakeMastodon(token=TOKEN, processing_polls=100) as fake:
        fake.fail(404, {"error": "Not found"}, method="GET", path=r"/api/v1/media/.+")
        adapter = make_adapter(fake.url)
        with pytest.raises(TransientError, match="still processing"):
            adapter.publish(post(media=(image(),)))


# -- limits --------------------------------------------------------------------------------------


def test_rules_come_from_the_server_and_are_cached():
    limits = Limits(
        max_characters=5000,
        characters_reserved_per_url=30,
        max_media_attachments=6,
        image_size_limit=10_000_000,
        image_matrix_limit=8_294_400,
        description_limit=900,
        supported_mime_types=["image/png", "image/jpeg", "image/gif"],
    )
    with FakeMastodon(token=TOKEN, limits=limits) as fake:
        rules = make_adapter(fake.url).rules_for_channel()
        again = make_adapter(fake.url + "/").rules_for_channel()

        assert len(fake.requests_to("GET", "/api/v2/instance")) == 1
    assert again == rules
    assert rules.text_limit == 5000
    assert rules.counting == "mastodon"
    assert rules.url_weight == 30
    assert rules.image.max_images == 6
    assert rules.image.max_bytes == 10_000_000
    assert rules.image.max_pixels == 8_294_400
    assert rules.image.alt_text_limit == 900
    assert rules.image.formats == ("JPEG", "PNG")


def test_rules_fall_back_to_api_v1_instance():
    with FakeMastodon(token=TOKEN, instance_api="v1", limits=Limits(max_characters=1000)) as fake:
        rules = make_adapter(fake.url).rules_for_channel()
        assert [r.path for r in fake.requests] == [
            "/api/v2/instance",
            "/api/v1/instance",
            "/.well-known/nodeinfo",
            "/nodeinfo/2.0",
        ]
    assert rules.text_limit == 1000


def test_rules_fall_back_to_defaults_when_the_server_cannot_say(server, caplog):
    server.fail(503, {"error": "down"}, path="/api/v2/instance")
    with caplog.at_level(logging.WARNING, logger="wagtail_crosspost.adapters.mastodon"):
        rules = make_adapter(server.url).rules_for_channel()
    assert rules == MastodonAdapter.rules
    assert "using the defaults" in caplog.text
    assert TOKEN not in caplog.text
    make_adapter(server.url).rules_for_channel()  # the failure is remembered for a while
    assert len(server.requests_to("GET", "/api/v2/instance")) == 1


def test_rules_without_a_server_url_are_the_defaults_counted_the_strictest_way():
    rules = make_adapter("").rules_for_channel()
    assert rules.text_limit == MastodonAdapter.rules.text_limit
    assert rules.counting == "strictest" and rules.url_weight is None


def test_pleroma_style_instance():
    rules = rules_from_instance({"max_toot_chars": 5000, "configuration": None})
    assert rules.text_limit == 5000
    assert rules.image.max_images == 4


# -- check and configuration ---------------------------------------------------------------------


def test_check_names_the_account(server, adapter):
    health = adapter.check()
    assert health.ok
    assert health.detail == f"@crossposter@{server.domain} · Mastodon 4.4.0 · limit 500"


def test_check_reports_a_server_error_without_reconnect(server, adapter):
    server.fail(502, b"<html>Bad gateway</html>")
    health = adapter.check()
    assert not health.ok and not health.needs_reconnect


def test_private_server_refused_without_the_setting(settings, server):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    adapter = make_adapter(server.url)
    with pytest.raises(ConfigurationError, match="private network"):
        adapter.publish(post())
    # Without a usable address nothing is asked: the strictest rule at the default limit.
    assert adapter.rules_for_channel().counting == "strictest"
    assert server.requests == []


@pytest.mark.parametrize("url", ["ftp://mastodon.example", "javascript:alert(1)", "https://"])
def test_non_web_server_urls_are_refused(url):
    with pytest.raises(ConfigurationError):
        make_adapter(url).publish(post())


def test_clean_options_normalises():
    cleaned = MastodonAdapter.clean_options(
        {"server_url": " https://93.184.216.34/ ", "visibility": "Private", "language": "de "}
    )
    assert cleaned == {
        "server_url": "https://93.184.216.34",
        "visibility": "private",
        "language": "de",
        "long_text": "shorten",  # the default: existing channels keep shortening
        "thread_max_parts": 4,
    }
    assert MastodonAdapter.normalise_server_url("mastodon.social/") == "https://mastodon.social"
    with pytest.raises(ConfigurationError):
        MastodonAdapter.clean_options({"server_url": ""})


# -- threads (reply chains) ----------------------------------------------------------------------


def thread_post(**kwargs) -> Post:
    return post(
        text="Our new lathe, part one. https://example.com/news/lathe 1/3",
        thread=("The second part, about speed. 2/3", "The third part, about noise. 3/3"),
        **kwargs,
    )


def chain(server: FakeMastodon) -> list[tuple[str, str | None]]:
    """(text, in_reply_to_id's text) of every status, oldest first."""
    statuses = list(server.statuses.values())
    by_id = {s["id"]: s for s in statuses}
    return [
        (s["text"], by_id[s["in_reply_to_id"]]["text"] if s["in_reply_to_id"] else None)
        for s in statuses
    ]


def test_thread_options_in_the_channel_form_and_their_cleaning():
    fields = MastodonAdapter.get_form_fields()
    assert fields["long_text"].initial == "shorten"
    assert [value for value, _label in fields["long_text"].choices] == ["shorten", "thread"]
    assert fields["thread_max_parts"].initial == 4
    base = {"server_url": "https://93.184.216.34"}
    cleaned = MastodonAdapter.clean_options({**base, "long_text": "thread", "thread_max_parts": 6})
    assert (cleaned["long_text"], cleaned["thread_max_parts"]) == ("thread", 6)
    with pytest.raises(ConfigurationError, match="between 2 and 10"):
        MastodonAdapter.clean_options({**base, "thread_max_parts": 11})
    with pytest.raises(ConfigurationError):
        MastodonAdapter.clean_options({**base, "long_text": "novel"})


def test_a_thread_is_posted_as_a_reply_chain(server, adapter):
    receipt = adapter.publish(thread_post(media=(image(),)))

    first, second, third = thread_post().texts
    assert chain(server) == [(first, None), (second, first), (third, second)]
    creates = server.requests_to("POST", "/api/v1/statuses")
    assert [r.headers.get("Idempotency-Key") for r in creates] == [
        "pub-1-key",
        "pub-1-key-part-2",
        "pub-1-key-part-3",
    ]
    # Media and the link card belong to the first post only; every part has the visibility.
    assert [len(s["media_ids"]) for s in server.statuses.values()] == [1, 0, 0]
    assert [r.value("visibility") for r in creates] == ["public"] * 3
    ids = list(server.statuses)
    assert receipt.remote_id == ids[0]
    assert [entry["id"] for entry in receipt.raw["thread"]] == ids[1:]
    assert receipt.raw["thread"][0]["url"].endswith(f"/@crossposter/{ids[1]}")
    assert receipt.notes == ()


def test_a_reply_that_fails_once_is_sent_again_at_once_with_the_same_key(server, adapter):
    sleeps: list[float] = []
    adapter.sleep = sleeps.append
    server.fail(503, {"error": "busy"}, path="/api/v1/statuses", after=1)  # the first reply
    receipt = adapter.publish(thread_post())
    first, second, third = thread_post().texts
    assert chain(server) == [(first, None), (second, first), (third, second)]
    assert len(receipt.raw["thread"]) == 2 and receipt.notes == ()
    assert sleeps == [1.0]
    keys = [r.headers["Idempotency-Key"] for r in server.requests_to("POST", "/api/v1/statuses")]
    assert keys.count("pub-1-key-part-2") == 2  # the second try re-sent the reply's own key


def test_a_reply_that_keeps_failing_never_sends_the_thread_back_to_the_outbox(server, adapter):
    """The outbox's retry would re-send the first post, maybe after Mastodon forgot its key
    (about an hour: long backoffs, a paused channel, an editor's Retry): a second first post.
    So the post stays, and the log says the thread is incomplete."""
    server.fail(503, {"error": "busy"}, path="/api/v1/statuses", after=2, times=2)  # reply 3
    receipt = adapter.publish(thread_post())

    assert len(server.statuses) == 2
    assert [e["id"] for e in receipt.raw["thread"]] == [list(server.statuses)[1]]
    [note] = receipt.notes
    assert "incomplete" in note and "2 of 3" in note and "part 3" in note
    assert receipt.raw["thread_incomplete"]["failed_part"] == 3


def test_a_rate_limit_longer_than_the_key_lifetime_is_not_waited_out_by_reposting(server, adapter):
    # The server asks to wait two hours: by then it has forgotten the keys, and re-sending them
    # would post the first post again. Not retried, here or by the outbox.
    server.fail(429, {"error": "Too many requests"}, headers={"Retry-After": "7200"},
                path="/api/v1/statuses", after=1)  # fmt: skip
    receipt = adapter.publish(thread_post())
    roots = [s for s in server.statuses.values() if s["in_reply_to_id"] is None]
    assert len(roots) == 1 and len(server.statuses) == 1
    assert receipt.remote_id == roots[0]["id"]
    [note] = receipt.notes
    assert "incomplete" in note and "part 2" in note


def test_a_refused_reply_leaves_the_first_post_and_says_so(server, adapter):
    server.fail(422, {"error": "Validation failed: Text character limit of 500 exceeded"},
                path="/api/v1/statuses", after=1)  # fmt: skip
    receipt = adapter.publish(thread_post())
    assert len(server.statuses) == 1 and receipt.raw["thread"] == []
    [note] = receipt.notes
    assert "1 of 3" in note and "too long" in note


def test_deleting_a_thread_removes_the_replies_last_first_then_the_post(server, adapter):
    receipt = adapter.publish(thread_post())
    root, *replies = list(server.statuses)
    server.reset()
    adapter.delete(receipt)
    assert server.statuses == {}
    assert [r.path.rsplit("/", 1)[1] for r in server.requests_to("DELETE")] == [
        *reversed(replies),
        root,
    ]
    adapter.delete(receipt)  # again: everything is already gone, which is fine


def test_the_reply_ids_survive_the_log_of_a_thread_with_long_alt_texts(server, adapter):
    # Four images with long descriptions: the outbox keeps the receipt's raw with
    # http.trim, which turns an answer over RAW_LIMIT into text. The reply ids must survive
    # it, or unpublishing deletes the first post and leaves its replies behind.
    alt = "A lathe in the workshop, seen from the side, with a part being turned. " * 20
    receipt = adapter.publish(thread_post(media=tuple(image(alt=alt[:1500]) for _ in range(4))))
    stored = trim(receipt.raw)
    assert isinstance(stored, dict)
    adapter.delete(Receipt(remote_id=receipt.remote_id, url=receipt.url, raw=stored))
    assert server.statuses == {}


def test_editing_a_thread_edits_the_first_post_and_keeps_the_replies(server, adapter):
    receipt = adapter.publish(thread_post())
    edited = adapter.update(receipt, post(text="Edited first part 1/3"))
    texts = server.texts()
    assert texts[0] == "Edited first part 1/3" and texts[1:] == list(thread_post().thread)
    assert edited.raw["thread"] == receipt.raw["thread"]
    [note] = edited.notes
    assert "Only the first post was edited" in note
