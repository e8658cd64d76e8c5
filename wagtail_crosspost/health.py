"""Test a channel's connection and record the result on the channel."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import delivery
from .adapters.base import AdapterError, AuthError, Health
from .models import Channel


def check_channel(channel: Channel) -> Health:
    try:
        health = channel.get_adapter().check()
    except AuthError as exc:
        health = Health(ok=False, detail=exc.message, needs_reconnect=True)
    except AdapterError as exc:
        health = Health(ok=False, detail=exc.message)
    except LookupError:
        health = Health(
            ok=False,
            detail=_("No adapter is installed for the platform “%(platform)s”.")
            % {"platform": channel.platform},
        )
    was_waiting = channel.needs_reconnect
    if health.ok:
        status = Channel.Status.OK
    elif health.needs_reconnect:
        status = Channel.Status.NEEDS_RECONNECT
    else:
        status = Channel.Status.ERROR
    channel.mark(status, health.detail)
    if health.ok and was_waiting:
        delivery.resume_channel(channel)
    return health
