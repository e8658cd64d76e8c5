"""System checks for the app credentials that connecting and refreshing need.

Import this module from ``wagtail_crosspost/checks.py`` (``from .auth import checks as
_auth_checks  # noqa: F401``): the ``@register`` decorators do the rest.
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError

from .. import conf
from ..adapters.provider import connectable_platforms, provider_for_channel

KNOWN_KEYS = {
    "CLIENT_ID",
    "CLIENT_SECRET",
    "CONSUMER_KEY",
    "CONSUMER_SECRET",
    "AUTHORIZE_URL",
    "TOKEN_URL",
    "REVOKE_URL",
    "API_URL",
    "API_VERSION",
    "SCOPES",
    "PKCE",
    "REDIRECT_URI",
    "REQUEST_TOKEN_URL",
    "OAUTH1_AUTHORIZE_URL",
    "ACCESS_TOKEN_URL",
    "INVALIDATE_URL",
    "CLIENT_NAME",  # Mastodon: the app's name on each server
    "WEBSITE",
}


@register()
def check_platform_settings(app_configs, **kwargs):
    """WAGTAILCROSSPOST_PLATFORMS is a dict of dicts with known keys."""
    value = conf.get("PLATFORMS")
    if not isinstance(value, dict):
        return [
            Error(
                "WAGTAILCROSSPOST_PLATFORMS must be a dict, e.g. "
                '{"linkedin": {"CLIENT_ID": "…", "CLIENT_SECRET": "…"}}.',
                id="wagtail_crosspost.E101",
            )
        ]
    problems: list[CheckMessage] = []
    for platform, values in value.items():
        if not isinstance(values, dict):
            problems.append(
                Error(
                    f'WAGTAILCROSSPOST_PLATFORMS["{platform}"] must be a dict of settings.',
                    id="wagtail_crosspost.E101",
                )
            )
            continue
        unknown = sorted(set(values) - KNOWN_KEYS)
        if unknown:
            problems.append(
                Warning(
                    f'WAGTAILCROSSPOST_PLATFORMS["{platform}"] has unknown keys: '
                    + ", ".join(unknown),
                    hint="Known keys: " + ", ".join(sorted(KNOWN_KEYS)) + ".",
                    id="wagtail_crosspost.W102",
                )
            )
    return problems


@register()
def check_app_credentials(app_configs, **kwargs):
    """Name the missing app credential for each OAuth platform that has a channel."""
    from ..models import Channel

    try:
        channels = list(Channel.objects.filter(platform__in=connectable_platforms()))
    except DatabaseError:  # not migrated yet: nothing to check
        return []
    needed: dict[tuple[str, str, str], list[str]] = {}
    for channel in channels:
        provider = provider_for_channel(channel)
        if provider is None:
            continue
        for name, env in provider.missing():
            needed.setdefault((name, env, str(provider.label)), []).append(channel.name)
    warnings = []
    for (name, env, label), names in sorted(needed.items()):
        warnings.append(
            Warning(
                f"{name} is not set, but {len(names)} {label} channel(s) need it to connect, "
                f"reconnect and renew tokens: " + ", ".join(sorted(names)[:5]) + ".",
                hint=(
                    f"Set {name} in your settings, or the environment variable {env}. "
                    "See docs/how-to/connect-accounts.md."
                ),
                id="wagtail_crosspost.W101",
            )
        )
    return warnings
