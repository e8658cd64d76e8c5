"""What the contract does not cover: registration, embeds, attachments, Discord's own errors."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings
from wagtail_crosspost_discord.adapter import DiscordAdapter

from wagtail_crosspost.adapters import clear_cache, get_adapter_class
from wagtail_crosspost.adapters.base import (
    AuthError,
    ConfigurationError,
    Media,
    PermanentError,
    Post,
    TransientError,
)
from wagtail_crosspost.models import Channel

from .fake_discord import TOKEN, WEBHOOK_ID, FakeDiscord

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00fake image bytes\r\n" * 20


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS = True
    settings.WAGTAILCROSSPOST_HTTP_TIMEOUT = (2, 2)


@pytest.fixture
def discord():
    with FakeDiscord() as fake:
        yield fake


def make_adapter(webhook_url: str, **options) -> DiscordAdapter:
    channel = Channel(platform="discord", name="Company Discord", options=options)
    channel.set_credentials({"webhook_url": webhook_url})
    return DiscordAdapter(channel)


def post(**kwargs) -> Post:
    kwargs.setdefault("link", "https://www.example.com/news/open-house/")
    kwargs.setdefault("title", "Open house")
    kwargs.setdefault("description", "Come and see the new lathe.")
    return Post(
        text="Open house on Saturday @everyone https://www.example.com/news/open-house/", **kwargs
    )


def test_the_hook_registers_the_adapter():
    clear_cache()
    assert get_adapter_class("discord") is DiscordAdapter


def test_the_setting_registers_it_too(settings, monkeypatch):
    from wagtail import hooks

    monkeypatch.setattr(hooks, "get_hooks", lambda name: [])  # as if the app were not installed
    clear_cache()
    with pytest.raises(LookupError):
        get_adapter_class("discord")
    settings.WAGTAILCROSSPOST_ADAPTERS = ["wagtail_crosspost_discord.adapter.DiscordAdapter"]
    clear_cache()
    assert get_adapter_class("discord") is DiscordAdapter
    clear_cache()


def test_publish_with_card_and_image(discord):
    adapter = make_adapter(discord.webhook_url, username="Acme News")
    image = Media(PNG, "image/png", "lathe.png", 1200, 630, alt_text="A lathe in the workshop")
    receipt = adapter.publish(post(media=(image,)))

    message = discord.messages[receipt.remote_id]
    assert message["username"] == "Acme News"
    assert message["allowed_mentions"] == {"parse": []}  # @everyone pings nobody
    [embed] = message["embeds"]
    assert embed["title"] == "Open house"
    assert embed["url"] == "https://www.example.com/news/open-house/"
    assert embed["image"] == {"url": "attachment://lathe.png"}
    [attachment] = message["attachments"]
    assert attachment["description"] == "A lathe in the workshop"
    assert receipt.url.startswith("https://discord.com/channels/")
    [request] = discord.requests_to("POST")
    assert request.query["wait"] == ["true"]


def test_embed_can_be_switched_off(discord):
    adapter = make_adapter(discord.webhook_url, embed=False)
    receipt = adapter.publish(post())
    assert discord.messages[receipt.remote_id]["embeds"] == []


def test_update_keeps_the_image(discord):
    adapter = make_adapter(discord.webhook_url)
    image = Media(PNG, "image/png", "lathe.png", 1200, 630)
    receipt = adapter.publish(post(media=(image,)))
    adapter.update(receipt, post(media=(image,), title="Open house (new date)"))
    message = discord.messages[receipt.remote_id]
    assert message["embeds"][0]["title"] == "Open house (new date)"
    assert len(message["attachments"]) == 1


def test_deleted_webhook_needs_reconnecting(discord):
    adapter = make_adapter(discord.webhook_url.replace(WEBHOOK_ID, "1"))
    with pytest.raises(AuthError, match="no longer exists"):
        adapter.publish(post())
    health = adapter.check()
    assert not health.ok and health.needs_reconnect


def test_check_does_not_show_the_token(discord):
    health = make_adapter(discord.webhook_url).check()
    assert health.ok and "Website news" in health.detail and TOKEN not in health.detail


def test_validation_error_names_the_field(discord):
    adapter = make_adapter(discord.webhook_url)
    with pytest.raises(PermanentError, match="Must be 2000 or fewer"):
        adapter.publish(Post(text="x" * 2001))


def test_rate_limit_uses_the_precise_body_value(discord):
    discord.rate_limit(0.25)
    with pytest.raises(TransientError) as info:
        make_adapter(discord.webhook_url).publish(post())
    assert info.value.retry_after == 0.25  # the Retry-After header says 1


def test_webhook_url_must_be_discord_in_production(discord):
    with override_settings(WAGTAILCROSSPOST_ALLOW_PRIVATE_URLS=False):
        with pytest.raises(ConfigurationError):
            make_adapter(discord.webhook_url).publish(post())
    with pytest.raises(AuthError):
        make_adapter("https://discord.com/api/webhooks/not-a-webhook").publish(post())
    assert discord.requests == []


def test_urllib3_debug_lines_hide_the_token(discord, caplog):
    with caplog.at_level(logging.DEBUG):
        make_adapter(discord.webhook_url).publish(post())
    assert "/webhooks/" in caplog.text and TOKEN not in caplog.text
