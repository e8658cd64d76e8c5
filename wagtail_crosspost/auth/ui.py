"""What the channel screens show about connecting: the connect buttons and the token's expiry.

``connect_context`` feeds ``wagtail_crosspost/auth/connect_panel.html`` (edit page, one channel)
and ``wagtail_crosspost/auth/connect_buttons.html`` (the platform chooser); ``token_expiry`` is a
column accessor for the channel list.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch
from django.utils import formats, timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from ..adapters.provider import providers_for
from .guides import guide_url


def token_expiry(channel: Any) -> str:
    """“valid for 59 days (until …)”, “expired on …”, or “” when it does not expire."""
    moment = getattr(channel, "token_expires_at", None)
    if moment is None:
        return ""
    when = formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if moment <= timezone.now():
        return _("expired on %(when)s") % {"when": when}
    return _("valid for %(delta)s (until %(when)s)") % {"delta": timeuntil(moment), "when": when}


def connect_context(channel: Any = None, platform: str = "") -> dict[str, Any]:
    """Buttons for each way the platform connects; empty ``buttons`` when it has none."""
    from .views import auth_url

    platform = channel.platform if channel is not None else platform
    connected = bool(channel is not None and channel.pk and channel.get_credentials())
    expired = bool(
        channel is not None
        and channel.token_expires_at
        and channel.token_expires_at <= timezone.now()
    )
    try:
        start_url = auth_url("start")
        disconnect_url = auth_url("disconnect", channel.pk) if channel is not None else ""
    except NoReverseMatch:  # the auth URLs are not mounted
        state = channel_state(channel, connected=connected, expired=expired, oauth=False)
        return {"buttons": [], "state": state}
    buttons = []
    for provider in providers_for(platform):
        missing = provider.missing_settings()
        buttons.append(
            {
                "label": provider.connect_label,
                "protocol": provider.protocol,
                # Only for developers (checks, logs): the page says "ask your developer" instead.
                "missing": ", ".join(missing),
                "app_label": provider.label,
                "wizard_url": _wizard_url(provider),
                # Mastodon: the administrator names the server (a reconnect keeps the channel's).
                "needs_server": provider.needs_server
                and not (channel is not None and (channel.options or {}).get("server_url")),
            }
        )
    return {
        "platform": platform,
        "guide_url": guide_url(platform),
        "channel": channel,
        "buttons": buttons,
        "start_url": start_url,
        "connected": connected,
        "disconnect_url": disconnect_url if connected else "",
        "expiry": token_expiry(channel) if channel is not None else "",
        "expired": expired,
        "state": channel_state(channel, connected=connected, expired=expired, oauth=bool(buttons)),
    }


def _wizard_url(provider: Any) -> str:
    from .views import auth_url
    from .wizard import WIZARD_PLATFORMS

    key = provider.settings_keys[-1] if provider.settings_keys else provider.key
    return auth_url("app", key) if key in WIZARD_PLATFORMS else ""


def channel_state(
    channel: Any, *, connected: bool, expired: bool, oauth: bool
) -> dict[str, Any] | None:
    """The one status box of a channel's edit page: its health first, then its connection.

    ``level`` is the Wagtail help-block kind (info, warning, critical); ``lines`` the sentences.
    A channel that needs reconnecting or failed its check never also reads "Connected".
    """
    if channel is None or not channel.pk:
        return None
    status = str(channel.status)
    detail = str(channel.status_detail_text or "")
    label = str(channel.get_status_display())
    if status in ("needs_reconnect", "error"):
        line = (
            _("%(status)s: %(detail)s") % {"status": label, "detail": detail} if detail else label
        )
        return {"level": "critical", "lines": [line]}
    if oauth and not connected:
        return {
            "level": "warning",
            "lines": [_("Not connected: connect the account to post here.")],
        }
    lines = [detail] if detail else []
    if status == "untested":
        lines.append(_("Not tested yet: press “Test connection” to check the account."))
    if oauth:
        expiry = token_expiry(channel)
        if expiry:
            lines.append(_("Access token: %(expiry)s.") % {"expiry": expiry})
        elif not detail:
            lines.append(_("Connected. The platform gives no expiry for this access."))
    return {"level": "critical" if expired else "info", "lines": lines} if lines else None
