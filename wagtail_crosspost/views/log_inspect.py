"""The details of one publication, in words: values in the reader's language and the site's time
zone, never Python values (``True``, ``None``, dicts) or raw JSON keys, and no sentence that
contradicts the status (an error of an earlier attempt on a post that went out says so)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.admin.views.generic import InspectView

from ..metrics import charts, per_post
from ..metrics.report_views import FIGURE_LABELS
from ..metrics.types import FIGURES
from ..models import Publication
from ..url_safety import web_url

EMPTY = "—"

#: Statuses after which nothing is wrong any more: a stored error is from an earlier attempt.
SETTLED_OK = (
    Publication.Status.POSTED,
    Publication.Status.DELETED,
    Publication.Status.SKIPPED,
)


def readable_time(value: datetime | None) -> str:
    """A moment in the site's time zone (the reader's, where Wagtail has one), as Django's date
    formats write it in the reader's language."""
    if value is None:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def error_display(publication: Publication) -> str:
    """The stored error as a sentence that fits the status: "" when there is none, "Earlier
    attempt: …" once the post went out (or is being tried again)."""
    error = publication.error_text.strip()  # in the reader's language
    if not error:
        return ""
    if publication.status in SETTLED_OK or publication.in_flight:
        return _("Earlier attempt: %(error)s") % {"error": error}
    return error


#: The figures of the first chart: counts of the same size (views get a chart of their own, or
#: they would flatten the others into the axis).
INTERACTIONS = ("reactions", "reposts", "replies", "quotes", "clicks")


def figures_over_time(publication: Publication) -> dict[str, Any] | None:
    """The detail's "Figures over time": charts, and the same numbers as a table. None for a
    row that is not a post that went out (an update, a delete, a dry run, one not sent yet)."""
    if (
        publication.action != Publication.Action.POST
        or publication.dry_run
        or publication.sent_at is None
    ):
        return None
    from ..adapters import get_adapter_class

    data = per_post.over_time(publication)
    labels = [snapshot.label for snapshot in data.snapshots]
    names = {name: str(label) for name, label in FIGURE_LABELS.items()}

    def named(series: dict[str, list[int | None]]) -> dict[str, list[int | None]]:
        return {names[name]: values for name, values in series.items()}

    interactions = data.series(INTERACTIONS)
    views = data.series(("views",))
    try:
        gives_figures = bool(get_adapter_class(publication.channel.platform).metrics_batch_size)
    except LookupError:
        gives_figures = False
    return {
        "data": data,
        "headings": [names[name] for name in FIGURES],
        "missing": [
            {"figure": names[name], "reason": reason}
            for name, reason in (data.snapshots[-1].reasons.items() if data.snapshots else ())
            if reason and data.snapshots[-1].values[name] is None
        ],
        "gives_figures": gives_figures,
        "platform": publication.channel.platform_label,
        "interactions_chart": charts.lines(
            named(interactions), labels, _("Interactions of this post over time")
        )
        if interactions
        else "",
        "views_chart": charts.lines(named(views), labels, _("Views of this post over time"))
        if views
        else "",
        "clicks_chart": charts.bars(
            [(formats.date_format(day, "SHORT_DATE_FORMAT"), n) for day, n in data.clicks_per_day],
            _("Clicks on this post's link counted here, per day"),
        )
        if data.clicks_per_day
        else "",
    }


class PublicationInspectView(InspectView):
    """The details of one post, with the link and the images sent shown as such."""

    def get_object(self, queryset=None):
        return get_object_or_404(
            Publication.objects.visible_to(self.request.user), pk=unquote(str(self.pk))
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from ..review.rights import can_post

        context = super().get_context_data(**kwargs)
        # Retry and Delete remote post only for a channel the user may post to (the actions
        # refuse the others anyway).
        context["may_post"] = can_post(self.request.user, self.object.channel)
        context["figures"] = figures_over_time(self.object)
        return context

    def get_fields(self) -> list[str]:
        fields = super().get_fields()
        # The platform's own answer is for whoever debugs a channel, not for editors.
        if not self.request.user.is_superuser:
            fields = [name for name in fields if name != "raw_response"]
        return fields

    def get_field_label(self, field_name: str, field: Any) -> Any:
        labels = {
            "image_id_override": _("Image chosen for this channel"),
            "error": _("Error"),
            "raw_response": _("Platform answer (technical details)"),
            "requested_by": _("Requested by"),
        }
        return labels.get(field_name) or super().get_field_label(field_name, field)

    def get_status_display_value(self) -> str:
        return self.object.status_label

    def get_dry_run_display_value(self) -> str:
        if self.object.dry_run:
            return _("Yes: a dry run, nothing was sent to the platform")
        return _("No")

    def get_error_display_value(self) -> str:
        return error_display(self.object) or EMPTY

    def get_created_at_display_value(self) -> str:
        return readable_time(self.object.created_at)

    def get_sent_at_display_value(self) -> str:
        return readable_time(self.object.sent_at)

    def get_next_attempt_at_display_value(self) -> str:
        if not self.object.in_flight:  # a finished row has no next attempt, whatever is stored
            return _("None: nothing more will be tried")
        return readable_time(self.object.next_attempt_at)

    def get_requested_by_display_value(self) -> str:
        user = self.object.requested_by
        if user is None:
            return _("Nobody (sent automatically)")
        return user.get_full_name() or user.get_username()

    def get_remote_id_display_value(self) -> str:
        return self.object.remote_id or EMPTY

    def get_sent_text_display_value(self) -> str:
        return self.object.sent_text or _("Nothing sent yet")

    def get_raw_response_display_value(self) -> str:
        raw = self.object.raw_response
        if raw in (None, {}, []):
            return EMPTY
        return render_to_string(
            "wagtail_crosspost/log/raw_response.html",
            {"raw": json.dumps(raw, indent=2, ensure_ascii=False, default=str)},
        )

    def get_remote_url_display_value(self) -> str:
        return render_to_string(
            "wagtail_crosspost/log/remote_link.html", {"url": web_url(self.object.remote_url)}
        )

    def get_sent_media_display_value(self) -> str:
        media = [
            {**item, "url": web_url(item.get("url"))}
            for item in (self.object.sent_media or [])
            if isinstance(item, dict)
        ]
        return render_to_string("wagtail_crosspost/log/sent_media.html", {"media": media})

    def get_image_id_override_display_value(self) -> Any:
        from wagtail.images import get_image_model

        image_id = self.object.image_id_override
        if not image_id:
            return _("None (the page's image)")
        image = get_image_model().objects.filter(pk=image_id).first()
        return image.title if image else _("An image that has since been deleted")
