"""Saving a connection onto a channel, and disconnecting one. No HTTP here except the revoke."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..adapters.oauth import Account, OAuthError, TokenSet
from ..adapters.provider import Provider, provider_for_channel
from ..models import Channel

logger = logging.getLogger(__name__)


def _same_grant(
    provider: Provider,
    old: dict[str, Any],
    new: dict[str, Any],
    old_options: dict[str, Any],
    new_options: dict[str, Any],
) -> bool:
    """Whether the old refresh token belongs to the same person (and may be kept): the same
    subject when the platform names one, else the same account."""
    if old.get("subject") or new.get("subject"):
        return bool(old.get("subject")) and old.get("subject") == new.get("subject")
    key = provider.account_key(old_options)
    return bool(key) and key == provider.account_key(new_options)


def save_connection(
    *,
    provider: Provider,
    token: TokenSet,
    account: Account,
    channel: Channel | None = None,
    name: str = "",
) -> Channel:
    """Store the token on a new channel, or on ``channel`` (reconnect): its publications stay, and
    its refresh token stays when the platform sent no new one for the same person. The channel
    becomes OK and the posts held for its reconnection are released."""
    with transaction.atomic():
        if channel is None:
            channel = Channel(platform=provider.key, name=(name or account.name)[:255])
            old: dict[str, Any] = {}
            old_options: dict[str, Any] = {}
        else:
            channel = Channel.objects.select_for_update().get(pk=channel.pk)
            old = channel.get_credentials()
            old_options = dict(channel.options or {})
            if name:
                channel.name = name[:255]
        new = {k: v for k, v in provider.credentials_for(token, account).items() if v != ""}
        if (
            provider.protocol == "oauth2"
            and "refresh_token" not in new
            and old.get("refresh_token")
            and _same_grant(provider, old, new, old_options, account.options)
        ):
            new["refresh_token"] = old["refresh_token"]
        channel.options = {**old_options, **account.options}
        channel.set_credentials(new)
        channel.token_expires_at = provider.expiry_for(token, account)
        channel.status = Channel.Status.OK
        channel.status_detail = _("Connected as %(account)s (%(kind)s).") % {
            "account": account.name,
            "kind": account.kind,
        }
        channel.checked_at = timezone.now()
        channel.failure_streak = 0
        channel.paused_until = None
        channel.save()
    from ..outbox.health import resume_channel

    resume_channel(channel)
    return channel


def shared_with(channel: Channel, provider: Provider) -> list[Channel]:
    """Other channels that hold the same token (revoking it would cut them off too)."""
    token = provider.shared_token(channel.get_credentials())
    if not token:
        return []
    return [
        other
        for other in Channel.objects.filter(platform=channel.platform).exclude(pk=channel.pk)
        if provider.shared_token(other.get_credentials()) == token
    ]


def disconnect(channel: Channel) -> str:
    """Revoke the token where the platform allows it (and no other channel shares it), forget
    the credentials and mark the channel as needing a reconnect. Returns a sentence."""
    provider = provider_for_channel(channel)
    credentials = channel.get_credentials()
    label = provider.label if provider else channel.platform_label
    if not credentials:
        note = _("There were no stored credentials.")
    elif provider is None or not provider.can_revoke:
        note = _(
            "%(platform)s offers no way to revoke the access from here: remove the app in the "
            "account's settings at %(platform)s if it should lose access."
        ) % {"platform": label}
    elif others := shared_with(channel, provider):
        note = _(
            "The access was not revoked at %(platform)s because “%(others)s” uses the same "
            "authorization."
        ) % {"platform": label, "others": "”, “".join(o.name for o in others)}
    else:
        try:
            provider.revoke(provider.client(), credentials)
            note = _("The access was revoked at %(platform)s.") % {"platform": label}
        except OAuthError as error:
            logger.warning("Revoking the token of channel %s failed: %s", channel.pk, error.message)
            note = _(
                "%(platform)s did not confirm the revocation (%(detail)s); remove the app in the "
                "account's settings there."
            ) % {"platform": label, "detail": error.message}
    channel.set_credentials({})
    channel.token_expires_at = None
    channel.status = Channel.Status.NEEDS_RECONNECT
    channel.status_detail = _("Disconnected. Connect the account again to post here.")
    channel.checked_at = timezone.now()
    channel.save(
        update_fields=["credentials", "token_expires_at", "status", "status_detail", "checked_at"]
    )
    return note
