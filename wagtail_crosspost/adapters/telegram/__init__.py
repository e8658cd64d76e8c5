"""Telegram: ``adapter`` posts to a channel through a bot; the bot token is pasted in the
adapter's credential form."""

from .adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
