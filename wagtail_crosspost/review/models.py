"""Rights per channel, granted to groups in Wagtail's group editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
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


class NoticeEvent(models.TextChoices):
    """What a notice is about: each user chooses, per event, how its mails come."""

    POST_PROBLEM = "post_problem", _("A post failed or needs checking")
    RECONNECT = "reconnect", _("A channel needs reconnecting")
    TOKEN_EXPIRY = "token_expiry", _("A channel's login expires soon")
    APPROVAL_REQUESTED = "approval_requested", _("Posts wait for my approval")
    APPROVAL_DECIDED = "approval_decided", _("My posts were approved, or changes were requested")


class NoticeDelivery(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail at once")
    DIGEST = "digest", _("In one e-mail a day (daily digest)")


class NotificationPreferences(models.Model):
    """A user's choice, per event, of an e-mail at once or a daily digest (Wagtail's account
    settings, *Notifications* tab). No row: everything at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="crosspost_notification_preferences",
    )
    post_problem = models.CharField(
        NoticeEvent.POST_PROBLEM.label,
        max_length=12,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.IMMEDIATE,
    )
    reconnect = models.CharField(
        NoticeEvent.RECONNECT.label,
        max_length=12,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.IMMEDIATE,
    )
    token_expiry = models.CharField(
        NoticeEvent.TOKEN_EXPIRY.label,
        max_length=12,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.IMMEDIATE,
    )
    approval_requested = models.CharField(
        NoticeEvent.APPROVAL_REQUESTED.label,
        max_length=12,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.IMMEDIATE,
    )
    approval_decided = models.CharField(
        NoticeEvent.APPROVAL_DECIDED.label,
        max_length=12,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("social media notification preferences")
        verbose_name_plural = _("social media notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class Notice(models.Model):
    """One notice to one user: shown in the admin (*Social notices*) until seen, and mailed at
    once or in the daily digest (``review.notices``). Stored as a kind plus parameters, so it
    is rendered in the reader's language whenever it is read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crosspost_notices"
    )
    event = models.CharField(max_length=20, choices=NoticeEvent.choices)
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=500, blank=True)  # where it leads, in the admin
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    task_state = models.ForeignKey(
        "wagtailcore.TaskState", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    #: waits for the recipient's next daily digest
    digest_pending = models.BooleanField(default=False)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("social media notice")
        verbose_name_plural = _("social media notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "seen_at"]),
            models.Index(fields=["digest_pending", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.kind} · {self.created_at:%Y-%m-%d}"
