"""The page's re-sharing choice: "re-share this page: yes / no / until", and up to five text
variants for each channel and for all channels (one ``EvergreenPage`` record per page).

Reached from the page's header menu ("Re-sharing"). A variant too long for a channel is refused
with the channel's name and by how many characters it is too long, counted as the post is.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateInput

from ..compose import length, post, text
from ..evergreen.models import MAX_VARIANTS, EvergreenPage, variant_texts
from ..models import Channel
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

    def __init__(self, *args: Any, page: Any, channels: list[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page, self.channels = page, channels
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
                    over = too_long_by(self.page, channel, value)
                    if over > 0:
                        self.add_error(
                            name,
                            _("Too long for %(channel)s by %(n)d characters.")
                            % {"channel": channel, "n": over},
                        )
        return cleaned

    def variants(self) -> list[dict[str, Any]]:
        found = []
        for key, _label, names in self.targets:
            for name in names:
                value = (self.cleaned_data.get(name) or "").strip()
                if value:
                    found.append({"channel": None if key == ALL else int(key), "text": value})
        return found


def too_long_by(page: Any, channel: Channel, message: str) -> int:
    """How many characters the post made from ``message`` exceeds the channel's limit (≤ 0:
    it fits), counted as the preview and the post count it."""
    adapter = channel.get_adapter()
    found, rules = inputs.gather(adapter, page, message=message, image=None, live_rules=False)
    rendered = text.render(post.template_of(found), post.parts_of(found, rules))
    limit = length.limit_for(adapter.key, rules=rules)
    return length.measure(rendered, adapter.key, rules=rules) - limit


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
    form = ReshareForm(request.POST or None, initial=initial, page=page, channels=channels)
    if request.method == "POST" and form.is_valid():
        EvergreenPage.objects.update_or_create(
            page_id=page.pk,
            defaults={
                "reshare": form.cleaned_data["reshare"],
                "until": form.cleaned_data.get("until"),
                "variants": form.variants(),
            },
        )
        messages.success(request, _("Re-sharing saved for “%(title)s”.") % {"title": page.title})
        return redirect("wagtail_crosspost:reshare_page", page_id=page.pk)
    previews = {str(c.pk): variant_texts(record.variants if record else [], c.pk) for c in channels}
    return TemplateResponse(
        request,
        "wagtail_crosspost/evergreen/page.html",
        {"page": page, "form": form, "page_title": _("Re-sharing"), "previews": previews},
    )
