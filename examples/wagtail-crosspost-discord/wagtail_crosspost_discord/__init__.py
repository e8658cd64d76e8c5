"""A Discord adapter for wagtail-crosspost, installed as its own package.

Add ``"wagtail_crosspost_discord"`` to ``INSTALLED_APPS``: its ``wagtail_hooks`` registers
:class:`~wagtail_crosspost_discord.adapter.DiscordAdapter` through the
``register_crosspost_adapters`` hook. (Or, without the app, list
``"wagtail_crosspost_discord.adapter.DiscordAdapter"`` in ``WAGTAILCROSSPOST_ADAPTERS``.)
"""

__version__ = "0.1.0"
