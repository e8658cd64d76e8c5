"""Rights per channel, granted to groups in Wagtail's group editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Task


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


class SocialMediaApprovalTask(Task):
    """*Social media approval*, a step of Wagtail's workflows: the page's planned posts wait for
    approval, channel by channel (``review.workflow`` holds the rules)."""

    channels = models.ManyToManyField(
        "wagtail_crosspost.Channel",
        verbose_name=_("channels"),
        blank=True,
        related_name="+",
        help_text=_("The channels whose posts need approval at this step. None: every channel."),
    )
    groups = models.ManyToManyField(
        "auth.Group",
        verbose_name=_("approver groups"),
        blank=True,
        related_name="+",
        help_text=_(
            "Only members of these groups approve at this step, and only on channels their "
            "groups may approve (Settings → Groups). None: whoever may approve the channel."
        ),
    )
    prevent_self_approval = models.BooleanField(
        _("a user cannot approve their own posts"),
        default=True,
        help_text=_("Whoever submitted the page to the workflow cannot approve its posts."),
    )

    admin_form_fields = [*Task.admin_form_fields, "channels", "groups", "prevent_self_approval"]
    admin_form_widgets = {
        "channels": forms.CheckboxSelectMultiple,
        "groups": forms.CheckboxSelectMultiple,
    }

    #: The rules (``review.workflow``, installed by it when the app is ready): models never
    #: import the modules that work with them.
    rules: Any = None

    def start(self, workflow_state: Any, user: Any = None) -> Any:
        return self.rules.start(self, super().start(workflow_state, user=user))

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        return self.rules.actions_for(self, obj, user)

    def on_action(self, task_state: Any, user: Any, action_name: str, **kwargs: Any) -> Any:
        return self.rules.act(self, task_state, user, action_name, **kwargs)

    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        # The approver may open the editor to change a post's text.
        return bool(self.get_actions(obj, user))

    def get_template_for_action(self, action: str) -> str:
        return "wagtail_crosspost/review/approval_modal.html"

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any) -> Any:
        return self.rules.states_user_can_moderate(self, user)

    @classmethod
    def get_description(cls) -> Any:
        return _("Approvers see each planned social media post as it will appear and approve it")

    class Meta:
        verbose_name = _("Social media approval")
        verbose_name_plural = _("Social media approvals")


class PostApproval(models.Model):
    """One approval of one post as it stands: the page's choice for a channel, by its
    fingerprint (text, image, timing). A changed post has another fingerprint: it needs a new
    approval."""

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="crosspost_approvals"
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel", on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    task_state = models.ForeignKey(
        "wagtailcore.TaskState", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Who approved through a preview link (typed by the reviewer), when nobody logged in.
    approved_by_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post approval")
        verbose_name_plural = _("post approvals")
        indexes = [models.Index(fields=["page", "channel", "fingerprint"])]

    def __str__(self) -> str:
        return f"{self.page_id} · {self.channel_id} · {self.fingerprint[:8]}"


class PreviewLink(models.Model):
    """A signed link that shows a page's planned posts to a reviewer without an admin login
    (``review.links``). The link carries only ``key``, signed; revoking or expiry ends it."""

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="crosspost_preview_links"
    )
    key = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self) -> str:
        return f"{self.page_id} · {self.created_at:%Y-%m-%d}"
