"""Django system checks: misconfiguration is reported with a sentence that says how to fix it."""

from __future__ import annotations

from django.core.checks import Error, Warning, register

from . import conf


@register()
def check_page_types_have_panel(app_configs, **kwargs):
    if conf.get("AUTO_PANEL"):
        return []
    from wagtail.models import get_page_models

    from .panels import page_has_crosspost_panel

    warnings = []
    for model in get_page_models():
        if model._meta.abstract:
            continue
        try:
            handler = model.get_edit_handler()
        except Exception:  # noqa: S112 - a broken edit handler is Wagtail's check to report
            continue
        if not page_has_crosspost_panel(handler):
            warnings.append(
                Warning(
                    f"{model._meta.label} has no “Publish to” panel, so editors cannot choose "
                    "channels for its pages.",
                    hint=(
                        "Add `from wagtail_crosspost.panels import CrosspostPanel` and put "
                        "`CrosspostPanel()` into the model's `settings_panels` (or any panel "
                        "list), or set WAGTAILCROSSPOST_AUTO_PANEL = True."
                    ),
                    obj=model,
                    id="wagtail_crosspost.W001",
                )
            )
    return warnings


@register()
def check_adapters(app_configs, **kwargs):
    from .adapters import InvalidAdapterError, clear_cache, get_adapters

    clear_cache()
    try:
        get_adapters()
    except InvalidAdapterError as exc:
        return [Error(str(exc), id="wagtail_crosspost.E001")]
    return []


@register()
def check_encryption_keys(app_configs, **kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from .crypto import get_fernet

    try:
        get_fernet()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="wagtail_crosspost.E002")]
    return []


@register()
def check_debug_with_live_channels(app_configs, **kwargs):
    """A development or staging site (DEBUG on) that would really post is usually a mistake."""
    from django.conf import settings
    from django.db import DatabaseError

    from .adapters import get_adapters
    from .models import Channel

    if not settings.DEBUG or conf.get("DRY_RUN"):
        return []
    offline = [key for key, cls in get_adapters().items() if cls.offline]
    try:
        live = list(
            Channel.objects.filter(enabled=True, dry_run=False)
            .exclude(platform__in=offline)
            .values_list("name", flat=True)[:5]
        )
    except DatabaseError:  # not migrated yet
        return []
    if not live:
        return []
    return [
        Warning(
            "DEBUG is on and these channels post for real: " + ", ".join(live) + ".",
            hint=(
                "On a development or staging copy set WAGTAILCROSSPOST_DRY_RUN = True (posts are "
                "recorded, not sent), or tick 'dry run' on the channels."
            ),
            id="wagtail_crosspost.W002",
        )
    ]


@register()
def check_scheduled_pages_go_live(app_configs, **kwargs):
    """A page long past its go-live time means nobody runs Wagtail's publish_scheduled."""
    from django.db import DatabaseError

    from .schedule.scheduled_pages import overdue_pages, publishes_scheduled_pages

    try:
        overdue = overdue_pages()
    except DatabaseError:  # not migrated yet
        return []
    if not overdue:
        return []
    titles = ", ".join(f"“{revision.object_str}”" for revision in overdue[:3])
    hint = (
        "Run `manage.py publish_scheduled` every minute from cron, or set "
        "WAGTAILCROSSPOST_PUBLISH_SCHEDULED = True and keep `manage.py crosspost_deliver --loop` "
        "running (docs/how-to/scheduling.md)."
    )
    if publishes_scheduled_pages():
        hint = "WAGTAILCROSSPOST_PUBLISH_SCHEDULED is on: is `crosspost_deliver --loop` running?"
    return [
        Warning(
            f"{len(overdue)} scheduled page(s) are more than 15 minutes past their go-live time "
            f"and still not live: {titles}. Their posts wait with them.",
            hint=hint,
            id="wagtail_crosspost.W003",
        )
    ]


LOCAL_HOSTNAMES = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}  # noqa: S104


@register()
def check_site_hostnames(app_configs, **kwargs):
    """Posts link to the page's site: a production site still called localhost links nowhere."""
    from django.conf import settings
    from django.db import DatabaseError
    from wagtail.models import Site

    if settings.DEBUG or conf.get("PAGE_URL") or conf.get("BASE_URL"):
        return []
    try:
        local = [
            site.hostname
            for site in Site.objects.only("hostname")
            if site.hostname.lower() in LOCAL_HOSTNAMES
        ]
    except DatabaseError:  # not migrated yet
        return []
    if not local:
        return []
    return [
        Warning(
            f"A Wagtail site still has the hostname {local[0]!r}: posts would link to "
            f"http://{local[0]}/, which nobody outside this machine can open.",
            hint="Set the site's real hostname (and port 443 for https) under Settings → Sites.",
            id="wagtail_crosspost.W004",
        )
    ]


@register()
def check_fediverse_creator(app_configs, **kwargs):
    """A handle that is not ``@user@server`` would be left out of every page without a word."""
    from .linkcards.creator import normalise_handle

    value = conf.get("FEDIVERSE_CREATOR")
    if not value or normalise_handle(value):
        return []
    return [
        Warning(
            f"WAGTAILCROSSPOST_FEDIVERSE_CREATOR is {value!r}, which is not a fediverse handle, "
            "so {% crosspost_fediverse_creator %} prints nothing.",
            hint='Set it to the account\'s handle, such as "@news@social.example".',
            id="wagtail_crosspost.W010",
        )
    ]


from .auth import checks as _auth_checks  # noqa: E402,F401  (registers the OAuth checks)
