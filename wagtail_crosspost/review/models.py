"""Rights per channel, granted to groups in Wagtail's group editor."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelRight(models.TextChoices):
    POST = "post", _("Post")
    APPROVE = "approve", _("Approve")
    MANAGE = "manage", _("Manage")


#: The long labels, as the group editor's column titles explain them.
RIGHT_DESCRIPTIONS: dict[str, Any] = {
    ChannelRight.POST: _("May post pages to this channel"),
    ChannelRight.APPROVE: _("May approve posts to this channel"),
    ChannelRight.MANAGE: _("May manage this channel (settings, connect, disconnect)"),
}


class GroupChannelPermission(models.Model):
    """One right of one group on one channel. A right nobody was given on a channel is not
    restricted there (see ``review.rights``)."""

    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="crosspost_channel_permissions",
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="group_permissions",
    )
    permission = models.CharField(_("permission"), max_length=20, choices=ChannelRight.choices)

    class Meta:
        verbose_name = _("group channel permission")
        verbose_name_plural = _("group channel permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "channel", "permission"],
                name="wagtail_crosspost_unique_group_channel_permission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id} · {self.channel_id} · {self.permission}"
