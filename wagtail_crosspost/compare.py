"""Wagtail's "compare revisions" for the Publish-to panel: which channels' choices changed."""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.compare import TextDiff, diff_text

from .choices import Choice, choices_for
from .models import Channel


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _when(choice: Choice) -> str:
    if choice.send_at is None:
        return ""
    return formats.date_format(timezone.localtime(choice.send_at), "DATETIME_FORMAT")


def _image(choice: Choice) -> str:
    if not choice.image_id:
        return ""
    image = choice.image
    return image.title if image is not None else f"#{choice.image_id}"


def _timing(choice: Choice) -> str:
    from .schedule.forms import TIMING_FOR_PAGE

    return str(dict(TIMING_FOR_PAGE).get(choice.timing, choice.timing))


#: (part of a choice, its label as in the panel, how its value is shown), in the panel's order
ASPECTS = [
    ("enabled", gettext_lazy("post to this channel"), lambda c: _yes_no(c.enabled)),
    ("message", gettext_lazy("custom text"), lambda c: c.message),
    ("image_id", gettext_lazy("image"), _image),
    ("timing", gettext_lazy("when to post"), _timing),
    ("send_at", gettext_lazy("post at"), _when),
    ("repost", gettext_lazy("post again"), lambda c: _yes_no(c.repost)),
    (
        "update_existing",
        gettext_lazy("update the existing post"),
        lambda c: _yes_no(c.update_existing),
    ),
]


class ChoicesComparison:
    """One entry of the compare view, listing each channel whose choice differs."""

    is_field = True
    is_child_relation = False

    def __init__(self, obj_a: Any, obj_b: Any) -> None:
        self.a = choices_for(obj_a)
        self.b = choices_for(obj_b)

    def field_label(self) -> str:
        return _("Publish to")

    def changed_channels(self) -> list[int]:
        """Ids of the channels whose choice differs (a missing choice is an unticked one)."""
        ids = sorted(set(self.a) | set(self.b))
        return [pk for pk in ids if self._pair(pk)[0] != self._pair(pk)[1]]

    def _pair(self, pk: int) -> tuple[Choice, Choice]:
        return self.a.get(pk) or Choice(pk), self.b.get(pk) or Choice(pk)

    def has_changed(self) -> bool:
        return bool(self.changed_channels())

    def htmldiff(self) -> SafeString:
        ids = self.changed_channels()
        names = dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
        items = []
        for pk in ids:
            old, new = self._pair(pk)
            rows = []
            for name, label, shown in ASPECTS:
                if getattr(old, name) == getattr(new, name):
                    continue
                before, after = shown(old), shown(new)
                if name == "message":
                    diff = diff_text(before, after).to_html()
                else:
                    diff = TextDiff([("deletion", before), ("addition", after)]).to_html()
                rows.append((capfirst(label), diff))
            details = format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
            name = names.get(pk) or _("Channel #%(id)s (deleted)") % {"id": pk}
            items.append(format_html("<li><strong>{}</strong><dl>{}</dl></li>", name, details))
        return format_html(
            '<ul class="crosspost-compare">{}</ul>',
            format_html_join("", "{}", ((i,) for i in items)),
        )
