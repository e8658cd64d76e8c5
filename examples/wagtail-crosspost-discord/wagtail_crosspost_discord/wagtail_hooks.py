"""Registers the Discord adapter with wagtail-crosspost when this app is installed."""

from wagtail import hooks


@hooks.register("register_crosspost_adapters")
def register_discord_adapter():
    from .adapter import DiscordAdapter

    return [DiscordAdapter]
