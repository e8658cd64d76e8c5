"""The Discord adapter passes wagtail-crosspost's adapter contract, like every built-in."""

from __future__ import annotations

from wagtail_crosspost_discord.adapter import DiscordAdapter

from wagtail_crosspost.adapters.base import Receipt
from wagtail_crosspost.models import Channel
from wagtail_crosspost.testing import AdapterContractTests

from .fake_discord import FakeDiscord


class TestDiscordContract(AdapterContractTests):
    adapter_class = DiscordAdapter
    publish_request = ("POST", r"/api/webhooks/\d+/[\w-]+")

    def make_server(self) -> FakeDiscord:
        return FakeDiscord()

    def make_channel(self, server):
        channel = Channel(platform="discord", name="Company Discord", options={})
        channel.set_credentials({"webhook_url": server.webhook_url})
        return channel

    def posted_text(self, server, receipt: Receipt):
        message = server.messages.get(receipt.remote_id)
        return message["content"] if message else None

    def post_count(self, server) -> int:
        return len(server.messages)

    def fail_rate_limited(self, server) -> float:
        # Discord: retry_after (float seconds) in the body; the header is rounded up.
        server.rate_limit(12.5)
        return 12.5
