"""The adapter registry: built-ins, ``WAGTAILCROSSPOST_ADAPTERS`` and the
``register_crosspost_adapters`` hook.

The hook receives nothing and returns an iterable of adapter classes (or dotted paths).

Each platform is one folder (``mastodon/``, ``bluesky/``, ``meta/`` …) holding ``adapter.py``
(posting) and ``connect.py`` (how the admin connects an account). An adapter never imports its
provider: ``provider.BUILTIN_PROVIDERS`` names them by dotted path, imported on demand.
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from wagtail_crosspost import conf

from .base import Adapter

BUILTIN_ADAPTERS = (
    "wagtail_crosspost.adapters.mastodon.MastodonAdapter",
    "wagtail_crosspost.adapters.bluesky.BlueskyAdapter",
    "wagtail_crosspost.adapters.meta.FacebookAdapter",
    "wagtail_crosspost.adapters.meta.InstagramAdapter",
    "wagtail_crosspost.adapters.meta.ThreadsAdapter",
    "wagtail_crosspost.adapters.linkedin.LinkedInAdapter",
    "wagtail_crosspost.adapters.x.XAdapter",
    "wagtail_crosspost.adapters.telegram.TelegramAdapter",
    "wagtail_crosspost.adapters.webhook.WebhookAdapter",
    "wagtail_crosspost.adapters.console.ConsoleAdapter",
    "wagtail_crosspost.adapters.locmem.LocmemAdapter",
)


class InvalidAdapterError(ImproperlyConfigured):
    pass


def _load(path_or_class: str | type[Adapter], source: str) -> type[Adapter]:
    if isinstance(path_or_class, str):
        try:
            cls = import_string(path_or_class)
        except ImportError as exc:
            raise InvalidAdapterError(
                f"{source}: cannot import the adapter {path_or_class!r} ({exc}). "
                "Check the dotted path and that its package is installed."
            ) from exc
    else:
        cls = path_or_class
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise InvalidAdapterError(
            f"{source}: {path_or_class!r} is not a subclass of "
            "wagtail_crosspost.adapters.base.Adapter."
        )
    if not cls.key:
        raise InvalidAdapterError(f"{source}: the adapter {cls.__name__} has no `key`.")
    return cls


@cache
def get_adapters() -> dict[str, type[Adapter]]:
    """All registered adapters by key. Later registrations replace earlier ones."""
    from wagtail import hooks

    registry: dict[str, type[Adapter]] = {}
    for path in BUILTIN_ADAPTERS:
        cls = _load(path, "wagtail-crosspost")
        registry[cls.key] = cls
    for path in conf.get("ADAPTERS"):
        cls = _load(path, "WAGTAILCROSSPOST_ADAPTERS")
        registry[cls.key] = cls
    for fn in hooks.get_hooks("register_crosspost_adapters"):
        for item in fn() or ():
            cls = _load(item, "the register_crosspost_adapters hook")
            registry[cls.key] = cls
    return registry


def get_adapter_class(key: str) -> type[Adapter]:
    try:
        return get_adapters()[key]
    except KeyError:
        raise LookupError(f"No crosspost adapter is registered for the platform {key!r}.") from None


def clear_cache() -> None:
    get_adapters.cache_clear()
