"""``WAGTAILCROSSPOST_AUTO_PANEL``: give every page type a "Publish to" tab without touching its
model, through Wagtail's public ``edit_handler`` attribute.

Wagtail builds a page type's editor from ``edit_handler`` when the class has one, and otherwise
from ``content_panels``, ``promote_panels`` and ``settings_panels`` (Wagtail 7.x and 8.x alike:
``wagtail.admin.panels.page_utils``). Wagtail has no hook that extends a page type's edit handler,
so ``install()`` (called from ``AppConfig.ready()``) sets ``edit_handler`` on each page model: the
one the class declares (or inherits), or the tabs Wagtail would build from its panel lists, plus
the "Publish to" tab. Page types that already hold a ``CrosspostPanel`` are left alone.

Every page model gets its own attribute, computed before any is set, so a subclass never inherits
its parent's panels. Page models created after start-up (none in a normal site) are not touched.
Turning the setting off (also with ``override_settings``) puts the original attributes back.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _

from . import conf
from .panels import NamedObjectList, page_has_crosspost_panel, with_crosspost_tab

SETTING = "WAGTAILCROSSPOST_AUTO_PANEL"
_MISSING = object()
#: page model -> its own ``edit_handler`` before install() (``_MISSING``: it had none)
_saved: dict[type, Any] = {}


def declared_edit_handler(cls: type) -> Any:
    """The unbound edit handler Wagtail would use for ``cls`` (its public attributes only)."""
    from wagtail.admin.panels import TabbedInterface

    handler = getattr(cls, "edit_handler", None)
    if handler is not None:
        return handler
    tabs = [
        NamedObjectList(panels, heading=heading, name=name)
        for panels, heading, name in (
            (cls.content_panels, _("Content"), "content"),  # type: ignore[attr-defined]
            (cls.promote_panels, _("Promote"), "promote"),  # type: ignore[attr-defined]
            (cls.settings_panels, _("Settings"), "settings"),  # type: ignore[attr-defined]
        )
        if panels
    ]
    # No base_form_class: the bound handler then reads the model's, as Wagtail's default does.
    return TabbedInterface(tabs)


def install() -> None:
    """Idempotent. Does nothing while ``WAGTAILCROSSPOST_AUTO_PANEL`` is off."""
    from wagtail.models import get_page_models

    if not conf.get("AUTO_PANEL"):
        return
    handlers = {}
    for cls in get_page_models():
        if cls in _saved:
            continue
        handler = declared_edit_handler(cls)
        if not page_has_crosspost_panel(handler):
            handlers[cls] = with_crosspost_tab(handler)
    for cls, handler in handlers.items():
        _saved[cls] = cls.__dict__.get("edit_handler", _MISSING)
        cls.edit_handler = handler  # type: ignore[attr-defined]
    _clear_caches()


def uninstall() -> None:
    """Put every page model's own ``edit_handler`` back."""
    for cls, original in _saved.items():
        if original is _MISSING:
            del cls.edit_handler  # type: ignore[attr-defined]
        else:
            cls.edit_handler = original  # type: ignore[attr-defined]
    _saved.clear()
    _clear_caches()


def _clear_caches() -> None:
    from wagtail.models import get_page_models

    for cls in get_page_models():
        cached = getattr(cls, "get_edit_handler", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def _setting_changed(setting: str = "", **kwargs: Any) -> None:
    if setting == SETTING:
        uninstall()
        install()


def connect() -> None:
    setting_changed.connect(_setting_changed, dispatch_uid="wagtail_crosspost.autopanel")
