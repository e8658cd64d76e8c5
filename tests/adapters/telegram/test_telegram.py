"""The Telegram adapter against the strict fake Bot API server, over real HTTP."""

from __future__ import annotations

import logging
import socket
import time
import traceback

import pytest

from tests.adapters import PNG
from tests.fakes.telegram import TOKEN, Chat, FakeTelegram
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
from wagtail_crosspost.adapters.telegram.adapter import TelegramAdapter
from wagtail_crosspost.adapters.telegram.connect import clean_chat_id
from wagtail_crosspost.models import Channel


@pytest.fixture
def server():
    with FakeTelegram() as fake:
        yield fake


def make_adapter(api_base: str, token: str = TOKEN, **options) -> TelegramAdapter:
    options.setdefault("chat_id", "@companynews")
    channel = Channel(
        platform="telegram", name="Company Telegram", options={"api_base": api_base, **options}
    )
    channel.set_credentials({"bot_token": token})
    return TelegramAdapter(channel)


@pytest.fixture
def adapter(server):
    return make_adapter(server.url)


def image() -> Media:
    return Media(content=PNG, mime_type="image/png", filename="lathe.png", width=1200, height=675)


def post(text: str = "New machine: https://example.com/news/lathe", **kwargs) -> Post:
    kwargs.setdefault("link", "https://example.com/news/lathe")
    return Post(text=text, **kwargs)


def assert_no_token(error: BaseException, caplog: pytest.LogCaptureFixture, token: str = TOKEN):
    for where in (str(error), repr(getattr(error, "raw", None)), caplog.text):
        assert token not in where
        assert token.split(":", 1)[1] not in where


# -- publishing ----------------------------------------------------------------------------------


def test_text_post_with_link_preview(server, adapter):
    receipt = adapter.publish(post())

    (message,) = server.channel.messages.values()
    assert message["text"] == "New machine: https://example.com/news/lathe"
    assert message["_link_preview_options"] == {
        "is_disabled": False,
        "url": "https://example.com/news/lathe",
    }
    assert receipt.remote_id == f"-1001234567890:{message['message_id']}"
    assert receipt.url == f"https://t.me/companynews/{message['message_id']}"
    assert receipt.raw["date"] == message["date"]
    (request,) = server.requests
    assert request.path == f"/bot{TOKEN}/sendMessage"


def test_link_preview_can_be_switched_off(server):
    make_adapter(server.url, link_preview="false").publish(post())
    (message,) = server.channel.messages.values()
    assert message["_link_preview_options"] == {"is_disabled": True}


def test_photo_with_caption(server, adapter):
    receipt = adapter.publish(post("A caption", media=(image(),)))

    (message,) = server.channel.messages.values()
    assert message["caption"] == "A caption"
    assert message["_photo"].content == PNG
    assert message["_photo"].content_type == "image/png"
    assert receipt.url.endswith(f"/{message['message_id']}")
    assert server.requests[0].value("chat_id") == "@companynews"


def test_private_channel_by_numeric_id_has_no_public_url(server):
    private = server.add_chat(Chat(id=-1009999999999))
    adapter = make_adapter(server.url, chat_id="-1009999999999")
    receipt = adapter.publish(post())
    assert receipt.url == ""
    assert receipt.remote_id.startswith("-1009999999999:")
    assert len(private.messages) == 1


def test_message_limit_4096_and_caption_limit_1024(server, adapter):
    adapter.publish(post("é" * 4096))
    with pytest.raises(PermanentError, match="message is too long") as info:
        adapter.publish(post("é" * 4097))
    assert info.value.status_code == 400
    assert info.value.raw["body"]["description"] == "Bad Request: message is too long"

    adapter.publish(post("x" * 1024, media=(image(),)))
    with pytest.raises(PermanentError, match="caption is too long"):
        adapter.publish(post("x" * 1025, media=(image(),)))


def test_delete(server, adapter):
    receipt = adapter.publish(post())
    adapter.delete(Receipt(remote_id=receipt.remote_id, url=receipt.url))  # as the outbox has it
    assert server.channel.messages == {}
    adapter.delete(receipt)  # already gone: not an error


def test_delete_of_an_old_message_is_refused_without_calling_the_api(server, adapter):
    receipt = adapter.publish(post())
    old = Receipt(
        remote_id=receipt.remote_id, raw={**receipt.raw, "date": int(time.time()) - 49 * 3600}
    )
    server.reset()
    with pytest.raises(PermanentError, match="less than 48 hours old"):
        adapter.delete(old)
    assert server.requests == []


def test_delete_of_an_old_message_unknown_to_us_gets_the_same_sentence(server, adapter):
    receipt = adapter.publish(post())
    server.clock = lambda: time.time() + 49 * 3600
    with pytest.raises(PermanentError, match="less than 48 hours old"):
        adapter.delete(Receipt(remote_id=receipt.remote_id))
    assert len(server.channel.messages) == 1


def test_check_names_the_bot(server, adapter):
    health = adapter.check()
    assert health.ok and health.detail == "@cp_bot"


def test_check_reports_a_bot_that_may_not_post(server, adapter):
    server.channel.can_post_messages = False
    health = adapter.check()
    assert not health.ok and health.needs_reconnect
    assert "administrator" in health.detail


# -- errors --------------------------------------------------------------------------------------


def test_wrong_token_is_an_auth_error_and_never_shown(server, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "111111111:AAWrongTokenWrongTokenWrongToken_xyz"
    adapter = make_adapter(server.url, token=bad)
    with pytest.raises(AuthError) as info:
        adapter.publish(post())
    assert info.value.status_code == 401
    assert "@BotFather" in info.value.message
    assert info.value.raw["body"] == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    assert_no_token(info.value, caplog, bad)
    health = adapter.check()
    assert health.needs_reconnect and bad not in health.detail


def test_debug_logs_of_urllib3_hide_the_token(server, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    adapter.publish(post())
    assert "/bot[redacted]/sendMessage" in caplog.text
    assert TOKEN not in caplog.text


def test_bot_removed_from_the_channel_is_an_auth_error(server, adapter, caplog):
    server.channel.bot_status = "kicked"
    with pytest.raises(AuthError, match="administrator") as info:
        adapter.publish(post())
    assert info.value.status_code == 403
    assert "bot is not a member" in info.value.message
    assert_no_token(info.value, caplog)


def test_bot_without_post_rights_is_permanent(server, adapter):
    server.channel.can_post_messages = False
    with pytest.raises(PermanentError, match="need administrator rights"):
        adapter.publish(post())


def test_unknown_chat_is_permanent(server):
    with pytest.raises(PermanentError, match="chat not found"):
        make_adapter(server.url, chat_id="@nosuchchannel").publish(post())


def test_flood_control_is_transient_with_telegrams_own_wait(server, adapter):
    server.flood(35)
    with pytest.raises(TransientError) as info:
        adapter.publish(post())
    assert info.value.retry_after == 35
    assert info.value.status_code == 429
    assert info.value.raw["body"]["parameters"] == {"retry_after": 35}
    assert server.all_messages() == []


def test_server_error_is_transient(server, adapter):
    server.fail(502, b"<html>Bad Gateway</html>")
    with pytest.raises(TransientError):
        adapter.publish(post())


def test_lost_answer_is_ambiguous(server, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    server.drop(process=True)
    with pytest.raises(AmbiguousError) as info:
        adapter.publish(post())
    assert len(server.all_messages()) == 1
    assert_no_token(info.value, caplog)


def test_closed_port_is_unreachable_and_never_shows_the_token(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = make_adapter(f"http://127.0.0.1:{port}")
    with pytest.raises(UnreachableError) as info:
        adapter.publish(post())
    assert "“127.0.0.1” refused the connection" in info.value.message
    assert "[redacted]" in str(info.value.raw)
    assert_no_token(info.value, caplog)
    # Nor in the exception chain that a traceback or an error tracker would print.
    chain = "".join(traceback.format_exception(info.value))
    assert TOKEN not in chain and TOKEN not in repr(info.value.__context__)


def test_timeout_never_shows_the_token(settings, server, caplog):
    caplog.set_level(logging.DEBUG)
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (1, 0.2)
    server.delay(0.6)
    with pytest.raises(AmbiguousError) as info:
        make_adapter(server.url).publish(post())
    assert_no_token(info.value, caplog)


def test_missing_token_needs_reconnect(server):
    with pytest.raises(AuthError):
        make_adapter(server.url, token="").publish(post())
    assert server.requests == []


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("@companynews", "@companynews"),
        ("companynews", "@companynews"),
        ("https://t.me/companynews", "@companynews"),
        ("-1001234567890", "-1001234567890"),
    ],
)
def test_chat_ids(value, expected):
    assert clean_chat_id(value) == expected


@pytest.mark.parametrize("value", ["", "@a", "two words", "@bad-name"])
def test_bad_chat_ids(value):
    with pytest.raises(ConfigurationError):
        clean_chat_id(value)


def test_api_base_must_be_https_without_the_setting(settings, server):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ConfigurationError, match="https"):
        make_adapter(server.url).publish(post())
    with pytest.raises(ConfigurationError, match="private network"):
        make_adapter("https://127.0.0.1:8443").publish(post())
    assert server.requests == []


def test_default_api_base():
    channel = Channel(platform="telegram", name="T", options={"chat_id": "@x_channel"})
    assert TelegramAdapter(channel).api_base == "https://api.telegram.org"


def test_rules():
    rules = TelegramAdapter.rules
    assert (rules.text_limit, rules.caption_limit, rules.image.max_images) == (4096, 1024, 1)
    assert rules.image.alt_text_limit is None
