"""Channel (a connected account), CrosspostChoices (the editor's choices, revisioned with the page)
and Publication (the log and the outbox)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey

from .adapters.base import ChannelCallbacks
from .crypto import EncryptedJSONField
from .permissions import CROSSPOST_PAGE_CODENAME
from .querysets import ChannelQuerySet, PublicationQuerySet
from .stored_messages import render_detail, render_message, stored_detail
from .url_safety import web_url

# Wagtail 8 lets sites swap the page model (WAGTAIL_PAGE_MODEL); Wagtail 7 has no such setting.
PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")

if TYPE_CHECKING:
    from .adapters.base import Adapter, ChannelConfig
    from .adapters.base import Health as AdapterHealth


class Channel(models.Model):
    class Status(models.TextChoices):
        UNTESTED = "untested", _("Not tested yet")
        OK = "ok", _("OK")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        ERROR = "error", _("Error")

    class OnUnpublish(models.TextChoices):
        KEEP = "keep", _("Keep the posts")
        DELETE = "delete", _("Delete the posts where the platform allows")

    platform = models.CharField(_("platform"), max_length=50)
    name = models.CharField(_("name"), max_length=255, help_text=_("Shown to editors."))
    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Only pages of this site can post here. Leave empty for every site."),
    )
    locale = models.ForeignKey(
        "wagtailcore.Locale",
        verbose_name=_("locale"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Only pages in this language can post here. Leave empty for every language."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    selected_by_default = models.BooleanField(
        _("ticked by default"),
        default=False,
        help_text=_("New pages have this channel ticked in the editor."),
    )
    dry_run = models.BooleanField(
        _("dry run"),
        default=False,
        help_text=_("Record what would be posted, but send nothing."),
    )
    on_unpublish = models.CharField(
        _("when a page is unpublished"),
        max_length=20,
        choices=OnUnpublish.choices,
        default=OnUnpublish.KEEP,
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    credentials = EncryptedJSONField(_("credentials"), blank=True, default=dict, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNTESTED
    )
    status_detail = models.TextField(_("status detail"), blank=True)
    status_message = models.JSONField(default=dict, blank=True, editable=False)  # its code
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    token_expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    # Circuit breaker: consecutive failed attempts, and the pause they caused.
    failure_streak = models.PositiveIntegerField(default=0, editable=False)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True, editable=False)
    # Paused by hand (schedule.pausing): new posts wait, until someone resumes the channel.
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(ChannelQuerySet)()

    # Wagtail's reference index has nothing to show here (and cost a page reindex per row).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("social channel")
        verbose_name_plural = _("social channels")
        ordering = ["name"]
        permissions = [(CROSSPOST_PAGE_CODENAME, _("Can choose channels to post pages to"))]

    def __str__(self) -> str:
        return f"{self.name} · {self.platform_label}"

    @property
    def platform_label(self) -> str:
        from .adapters import get_adapter_class

        try:
            return str(get_adapter_class(self.platform).label)
        except LookupError:
            return self.platform

    def get_credentials(self) -> dict[str, Any]:
        return dict(self.credentials or {})  # type: ignore[arg-type]

    def set_credentials(self, values: dict[str, Any]) -> None:
        self.credentials = values  # type: ignore[assignment]

    def adapter_config(self) -> ChannelConfig:
        """The channel as data for its adapter: options, decrypted credentials, and callbacks
        that save refreshed credentials and reported health on this row."""
        from .adapters.base import ChannelConfig

        return ChannelConfig(
            id=self.pk,
            name=self.name,
            platform=self.platform,
            options=dict(self.options or {}),
            credentials=self.get_credentials(),
            callbacks=ChannelRowCallbacks(self),
        )

    def get_adapter(self) -> Adapter:
        """The one factory: the adapter of this channel's platform, built from its data."""
        from .adapters import get_adapter_class

        return get_adapter_class(self.platform)(self.adapter_config())

    @property
    def needs_reconnect(self) -> bool:
        return self.status == self.Status.NEEDS_RECONNECT

    @classmethod
    def status_for(cls, health: Any) -> str:
        """The channel status a health check's answer means."""
        if health.ok:
            return cls.Status.OK
        return cls.Status.NEEDS_RECONNECT if health.needs_reconnect else cls.Status.ERROR

    def mark(self, status: str, detail: str = "") -> None:
        self.status = status
        self.status_detail, self.status_message = detail, stored_detail(detail)
        self.checked_at = timezone.now()
        self.save(update_fields=["status", "status_detail", "status_message", "checked_at"])

    @property
    def status_detail_text(self) -> str:  # the detail in the reader's language
        return render_detail(self.status_detail, self.status_message)


class ChannelRowCallbacks(ChannelCallbacks):
    """What an adapter reports back, saved on its ``Channel`` row (nothing for an unsaved one)."""

    def __init__(self, channel: Channel):
        self.channel = channel

    def save_credentials(self, credentials: dict[str, Any]) -> None:
        self.channel.set_credentials(dict(credentials))
        if self.channel.pk:
            self.channel.save(update_fields=["credentials"])

    def save_options(self, values: dict[str, Any]) -> None:
        self.channel.options = {**(self.channel.options or {}), **values}
        if self.channel.pk:
            self.channel.save(update_fields=["options"])

    def report_health(self, health: AdapterHealth) -> None:
        status = Channel.status_for(health)
        if self.channel.pk:
            self.channel.mark(status, health.detail)
        else:
            self.channel.status, self.channel.status_detail = status, health.detail


class CrosspostChoices(models.Model):
    """The editor's choices for every channel of one page, in one small record: a child of the
    page, so each revision carries them, and a revision or a publish copies one row however many
    channels there are. Read and write it through ``wagtail_crosspost.choices`` only.

    ``channels``: ``{"<channel id>": {"enabled": true, "message": "…", "image_id": 3,
    "repost": true, "update_existing": true, "timing": "at", "send_at": "<ISO time>"}}``;
    a key left out has its default (off, empty)."""

    page = ParentalKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="crosspost_choices")
    channels = models.JSONField(_("channels"), default=dict, blank=True)
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("crosspost choice")
        verbose_name_plural = _("crosspost choices")

    def __str__(self) -> str:
        return f"{self.page_id}: {len(self.channels or {})}"


class Publication(models.Model):
    """One post (or update, or delete) of one page on one channel: the log and the outbox row."""

    class Action(models.TextChoices):
        POST = "post", _("Post")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")

    class Kind(models.TextChoices):
        POST = "post", _("Post")
        RESHARE = "reshare", _("Re-share")

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        SENDING = "sending", _("Sending")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown — check")
        SKIPPED = "skipped", _("Skipped")
        DELETED = "deleted", _("Deleted")

    ACTIVE_STATUSES = (Status.PENDING, Status.SENDING, Status.POSTED, Status.UNKNOWN)
    #: still on its way: the panel and the API poll while a row is in one of these
    IN_FLIGHT_STATUSES = (Status.PENDING, Status.SENDING)
    #: an editor may press Retry (after a failure, or when it may or may not have been posted)
    RETRYABLE_STATUSES = (Status.FAILED, Status.UNKNOWN)

    page = models.ForeignKey(
        PAGE_MODEL,
        verbose_name=_("page"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="crosspost_publications",
    )
    page_title = models.CharField(_("page title"), max_length=255, blank=True)
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="publications"
    )
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.POST
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # A re-share (evergreen) is a post of a page that was posted before, planned into a free slot
    # (``slot_at``); its ``generation`` counts the page's re-shares on the channel (1, 2, ...).
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.POST, db_index=True
    )
    slot_at = models.DateTimeField(_("slot"), null=True, blank=True, editable=False)
    # Which post this row is: the first post of a page on a channel is generation 0, each
    # explicit "post again" adds one. The unique constraint makes a second post impossible.
    generation = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, default="", blank=True)
    message = models.TextField(blank=True)  # the editor's override, copied from the request
    image_id_override = models.PositiveIntegerField(null=True, blank=True)
    target = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For update and delete: the publication whose remote post is changed.",
    )
    remote_id = models.CharField(_("remote id"), max_length=255, blank=True)
    remote_url = models.URLField(_("link"), max_length=2000, blank=True)
    sent_text = models.TextField(_("text sent"), blank=True)
    sent_media = models.JSONField(_("media sent"), default=list, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    error = models.TextField(_("error"), blank=True)
    # The error as a code plus parameters (see stored_messages), rendered in the reader's
    # language; ``error`` keeps the text as written, for search and for rows without a code.
    message_code = models.CharField(max_length=100, blank=True, default="", editable=False)
    message_params = models.JSONField(default=dict, blank=True, editable=False)
    raw_response = models.JSONField(_("platform answer"), null=True, blank=True)
    # Kept between attempts, apart from the log: the receipt, an uncertain attempt's time, a check.
    delivery_state = models.JSONField(default=dict, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = models.Manager.from_queryset(PublicationQuerySet)()

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "channel", "generation"],
                condition=models.Q(action="post", kind="post"),
                name="crosspost_one_post_per_generation",
            ),
            # Two planners never fill the same slot of a channel twice.
            models.UniqueConstraint(
                fields=["channel", "slot_at"],
                condition=models.Q(kind="reshare", slot_at__isnull=False),
                name="crosspost_one_reshare_per_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="crosspost_due_idx"),
            # The Social performance report: posts sent in a period, per channel.
            models.Index(fields=["sent_at", "channel"], name="crosspost_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.page_title} → {self.channel}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.idempotency_key:
            self.idempotency_key = uuid.uuid4().hex
        super().save(*args, **kwargs)

    @property
    def web_url(self) -> str:
        """The link to the remote post, if it is a web address: a platform's answer must never
        become a ``javascript:`` link in the admin, the panel or a headless front end."""
        return web_url(self.remote_url)

    @property
    def in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT_STATUSES

    @property
    def can_retry(self) -> bool:
        return self.status in self.RETRYABLE_STATUSES

    @property
    def error_text(self) -> str:
        """The error in the active language (see ``stored_messages.render_message``)."""
        return render_message(self)

    @property
    def status_label(self) -> str:
        """The status as shown everywhere: a dry run that "posted" sent nothing, and says so."""
        if self.dry_run and self.status == self.Status.POSTED:
            return str(_("Dry run (not sent)"))
        return str(self.get_status_display())


class PlatformApp(models.Model):
    """A platform app's keys (``CLIENT_ID``, ``CLIENT_SECRET``), entered in the connect wizard
    and kept encrypted; ``WAGTAILCROSSPOST_PLATFORMS`` and the environment win when they set a
    key (``adapters.provider``)."""

    platform = models.CharField(_("platform"), max_length=40, unique=True)
    keys = EncryptedJSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    check_ok = models.BooleanField(_("keys accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform app")
        verbose_name_plural = _("platform apps")

    def __str__(self) -> str:
        return self.platform


# The capabilities' models, registered with this app: the layers' one declared exception.
from .evergreen import models as _evergreen_models  # noqa: E402, F401, I001
from .metrics import click_models as _click_models  # noqa: E402, F401
from .metrics import goals as _goals  # noqa: E402, F401
from .metrics import models as _metrics_models  # noqa: E402, F401  (registers them)
from .metrics import rollup as _rollup  # noqa: E402, F401
from .outbox import pending as _pending  # noqa: E402, F401
from .review import models as _review_models  # noqa: E402, F401
from .schedule import models as _schedule_models  # noqa: E402, F401  (registers them)
