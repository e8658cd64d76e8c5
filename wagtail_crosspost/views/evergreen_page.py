"""The page's re-sharing choice: "re-share this page: yes / no / until", and up to five text
variants for each channel and for all channels (one ``EvergreenPage`` record per page).

Reached from the page's header menu ("Re-sharing"), and in the editor's Publish-to panel (the
same form, prefixed, ``panels.CrosspostFormSet``). A variant too long for a channel is refused
with the channel's name and by how many characters it is too long, counted as the re-share is
(with its link's UTM parameters, ``utm_campaign=evergreen``, and the page's hashtags).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from ..compose import length, post, text
from ..evergreen.models import MAX_VARIANTS, EvergreenPage, EvergreenSettings, variant_texts
from ..models import Channel, Publication
from ..outbox import inputs
from ..permissions import user_can_crosspost

ALL = "all"


class ReshareForm(forms.Form):
    reshare = forms.ChoiceField(
        label=gettext_lazy("Re-share this page"),
        choices=EvergreenPage.Choice.choices,
        widget=forms.RadioSelect,
    )
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=AdminDateInput)
    #: the panel shows the form read-only to users who may not choose channels
    disabled = False

    def __init__(self, *args: Any, page: Any, channels: list[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page, self.channels = page, channels
        #: channel id → the number of the page's next re-share there (its ``utm_content``)
        self.numbers = next_numbers(page, channels)
        self.targets: list[tuple[str, str, list[str]]] = []
        for key, label in [(ALL, _("All channels")), *[(str(c.pk), str(c)) for c in channels]]:
            names = [f"variant_{key}_{i}" for i in range(MAX_VARIANTS)]
            for i, name in enumerate(names):
                self.fields[name] = forms.CharField(
                    label=_("Variant %(n)d for %(target)s") % {"n": i + 1, "target": label},
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            self.targets.append((key, label, names))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("reshare") == EvergreenPage.Choice.UNTIL and not cleaned.get("until"):
            self.add_error("until", _("Give the last day this page may be re-shared."))
        for key, _label, names in self.targets:
            targets = (
                self.channels if key == ALL else [c for c in self.channels if str(c.pk) == key]
            )
            for name in names:
                value = (cleaned.get(name) or "").strip()
                for channel in targets if value else []:
                    over = too_long_by(self.page, channel, value, self.numbers[channel.pk])
                    if over > 0:
                        self.add_error(
                            name,
                            _("Too long for %(channel)s by %(n)d characters.")
                            % {"channel": channel, "n": over},
                        )
        return cleaned

    def open_targets(self) -> set[str]:
        """The targets whose variants have a text or an error (the panel opens them)."""
        found = set()
        for key, _label, names in self.targets:
            if any(self[name].value() or self[name].errors for name in names):
                found.add(key)
        return found

    def counter_channels(self) -> list[dict[str, Any]]:
        """What the panel's live counters need: each channel that re-shares, and the number of
        the page's next re-share there (its link's ``utm_content``)."""
        return [{"id": c.pk, "name": c.name, "number": self.numbers[c.pk]} for c in self.channels]

    def choice(self) -> dict[str, Any]:
        """What ``save_choice`` writes: the choice, the variants, and which targets were shown."""
        return {
            "reshare": self.cleaned_data["reshare"],
            "until": self.cleaned_data.get("until"),
            "variants": self.variants(),
            "shown": [key for key, _label, _names in self.targets],
        }

    def variants(self) -> list[dict[str, Any]]:
        found = []
        for key, _label, names in self.targets:
            for name in names:
                value = (self.cleaned_data.get(name) or "").strip()
                if value:
                    found.append({"channel": None if key == ALL else int(key), "text": value})
        return found


def next_numbers(page: Any, channels: list[Channel]) -> dict[int, int]:
    """Channel id → the number of the page's next re-share on it (one query)."""
    numbers = {c.pk: 1 for c in channels}
    if getattr(page, "pk", None) and channels:
        rows = (
            Publication.objects.filter(
                page_id=page.pk, kind=Publication.Kind.RESHARE, channel_id__in=list(numbers)
            )
            .values("channel_id")
            .annotate(last=Max("generation"))
            .values_list("channel_id", "last")
        )
        numbers.update({channel_id: (last or 0) + 1 for channel_id, last in rows})
    return numbers


def too_long_by(page: Any, channel: Channel, message: str, number: int = 1) -> int:
    """How many characters the re-share made from ``message`` exceeds the channel's limit (≤ 0:
    it fits), counted as the preview and the post count it: the page's ``number``-th re-share,
    its link with the re-share's UTM parameters."""
    adapter = channel.get_adapter()
    found, rules = inputs.gather(
        adapter,
        page,
        message=message,
        image=None,
        live_rules=False,
        extra_options=inputs.reshare_link_options(number),
    )
    rendered = text.render(post.template_of(found), post.parts_of(found, rules))
    limit = length.limit_for(adapter.key, rules=rules)
    return length.measure(rendered, adapter.key, rules=rules) - limit


def initial_for(record: EvergreenPage | None, channels: list[Channel]) -> dict[str, Any]:
    """The form's initial values from the page's saved choice (or "yes", no variants)."""
    initial: dict[str, Any] = {"reshare": EvergreenPage.Choice.YES}
    if record is not None:
        initial.update(reshare=record.reshare, until=record.until)
        for key in [ALL, *[str(c.pk) for c in channels]]:
            own = [
                v["text"]
                for v in record.variants or []
                if isinstance(v, dict) and str(v.get("channel") or ALL) == key
            ]
            for i, value in enumerate(own[:MAX_VARIANTS]):
                initial[f"variant_{key}_{i}"] = value
    return initial


def save_choice(page: Any, choice: dict[str, Any]) -> None:
    """Write the page's one re-sharing record (``ReshareForm.choice()``). Variants of channels
    the form did not show (no longer offered) are kept."""
    record = EvergreenPage.objects.filter(page_id=page.pk).first()
    shown = set(choice.pop("shown", ()))
    kept = [
        v
        for v in (record.variants if record else []) or []
        if isinstance(v, dict) and str(v.get("channel") or ALL) not in shown
    ]
    EvergreenPage.objects.update_or_create(
        page_id=page.pk, defaults={**choice, "variants": kept + choice["variants"]}
    )


EVERGREEN_PREFIX = "crosspost_evergreen"


def reshare_form(data: Any, page: Any, user: Any, available: list[Channel]) -> Any:
    """The page's re-sharing choice and its variants (``ReshareForm``) in the Publish-to panel, for
    the channels that re-share (evergreen switched on); None when none does and the page has no
    choice saved. Bound only when the panel sent it (a form from before it showed sends none)."""
    ids = [c.pk for c in available]
    on = set(
        EvergreenSettings.objects.filter(channel_id__in=ids, enabled=True).values_list(
            "channel_id", flat=True
        )
    )
    record = (
        EvergreenPage.objects.filter(page_id=page.pk).first() if getattr(page, "pk", None) else None
    )
    if not on and record is None:
        return None
    channels = [c for c in available if c.pk in on]
    bound = data is not None and f"{EVERGREEN_PREFIX}-reshare" in data
    form = ReshareForm(
        data if bound else None,
        initial=initial_for(record, channels),
        page=page,
        channels=channels,
        prefix=EVERGREEN_PREFIX,
    )
    form.disabled = not user_can_crosspost(user)
    if form.disabled:
        for field in form.fields.values():
            field.disabled = True
    return form


def save_pending_reshare(user: Any, page: Any) -> None:
    """Write the re-sharing choice the panel's formset validated, once the page is saved."""
    pending = getattr(user, "_crosspost_reshare", None)
    if pending is None:
        return
    saved, choice = pending
    del user._crosspost_reshare
    if page.pk and saved.pk == page.pk:
        save_choice(page, dict(choice))


def reshare_page(request: Any, page_id: int) -> Any:
    from wagtail.models import Page

    page = get_object_or_404(Page, pk=page_id).specific
    if (
        not user_can_crosspost(request.user)
        or not page.permissions_for_user(request.user).can_edit()
    ):
        raise PermissionDenied
    channels = list(Channel.objects.for_page(page))
    record = EvergreenPage.objects.filter(page_id=page.pk).first()
    initial = initial_for(record, channels)
    form = ReshareForm(request.POST or None, initial=initial, page=page, channels=channels)
    if request.method == "POST" and form.is_valid():
        save_choice(page, form.choice())
        messages.success(request, _("Re-sharing saved for “%(title)s”.") % {"title": page.title})
        return redirect("wagtail_crosspost:reshare_page", page_id=page.pk)
    previews = {str(c.pk): variant_texts(record.variants if record else [], c.pk) for c in channels}
    return TemplateResponse(
        request,
        "wagtail_crosspost/evergreen/page.html",
        {"page": page, "form": form, "page_title": _("Re-sharing"), "previews": previews},
    )
