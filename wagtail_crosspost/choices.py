"""The editor's channel choices for a page, and the only code that reads or writes them.

A page's choices are one small record, ``CrosspostChoices``, a child of the page: every revision
carries it, and a revision or a publish copies one row, not one per channel. Everything else
(the panel, planning, the API, the schedule, the review history, the compare view) goes through
``choices_for(page)`` / ``choices_in(revision)`` and gets ``{channel id: Choice}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from django.utils.dateparse import parse_datetime

from .models import CrosspostChoices

#: the page's child relation (``CrosspostChoices.page``'s related name); also the form prefix
RELATION_NAME = "crosspost_choices"
#: one row per channel, the storage before migration 0007; read from revisions that still have it
LEGACY_RELATION_NAME = "crosspost_requests"


@dataclass
class Choice:
    """The editor's choice for one channel of one page."""

    channel_id: int
    enabled: bool = False
    message: str = ""
    image_id: int | None = None
    repost: bool = False  # "post again": the next publish only
    update_existing: bool = False  # "update the existing post": the next publish only
    timing: str = ""  # schedule.Timing; "" is the channel's default
    send_at: datetime | None = None

    pk = None  # never a row of its own (Wagtail's form code asks a form's instance for it)

    @cached_property
    def image(self) -> Any:
        """The chosen image, or None (also when it has been deleted since)."""
        if not self.image_id:
            return None
        from wagtail.images import get_image_model

        return get_image_model().objects.filter(pk=self.image_id).first()

    def to_json(self) -> dict[str, Any]:
        """The stored form: only what differs from the default, so the record stays small."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "channel_id" or value == f.default:
                continue
            data[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return data

    @classmethod
    def from_json(cls, channel_id: int, data: Mapping[str, Any]) -> Choice:
        send_at = data.get("send_at")
        if isinstance(send_at, str):
            send_at = parse_datetime(send_at)
        image_id = data.get("image_id")
        return cls(
            channel_id=int(channel_id),
            enabled=bool(data.get("enabled")),
            message=str(data.get("message") or ""),
            image_id=int(image_id) if image_id else None,
            repost=bool(data.get("repost")),
            update_existing=bool(data.get("update_existing")),
            timing=str(data.get("timing") or ""),
            send_at=send_at if isinstance(send_at, datetime) else None,
        )


def parse(channels: Mapping[str, Any] | None) -> dict[int, Choice]:
    """``CrosspostChoices.channels`` as ``{channel id: Choice}``."""
    parsed = {}
    for key, data in (channels or {}).items():
        if str(key).isdigit() and isinstance(data, Mapping):
            parsed[int(key)] = Choice.from_json(int(key), data)
    return parsed


def serialize(choices: Iterable[Choice]) -> dict[str, dict[str, Any]]:
    return {str(choice.channel_id): choice.to_json() for choice in choices}


def record_of(page: Any) -> CrosspostChoices | None:
    """The page's record: from memory for a page rebuilt from a revision, else one query."""
    manager = getattr(page, RELATION_NAME, None) if page is not None else None
    if manager is None:
        return None
    records = list(manager.all())
    return records[-1] if records else None


def choices_for(page: Any) -> dict[int, Choice]:
    """The page's choices, by channel id (the page object as it is: a draft, a revision's page,
    or the page as saved)."""
    record = record_of(page)
    return parse(record.channels) if record is not None else {}


def choices_in(revision: Any) -> dict[int, Choice]:
    """The choices stored in a revision, read from its JSON: ``revision.as_object()`` would
    rebuild the whole page and look up every referenced row."""
    return choices_in_content(getattr(revision, "content", None) or {})


def choices_in_content(content: Mapping[str, Any]) -> dict[int, Choice]:
    records = content.get(RELATION_NAME)
    if records:
        return parse(records[-1].get("channels"))
    # A revision saved before the choices became one record (migration 0006 converts them;
    # this keeps any it could not read working): the first row of a channel wins.
    choices: dict[int, Choice] = {}
    for row in content.get(LEGACY_RELATION_NAME) or []:
        if isinstance(row, Mapping) and row.get("channel"):
            data = {**row, "image_id": row.get("image")}
            choices.setdefault(int(row["channel"]), Choice.from_json(int(row["channel"]), data))
    return choices


def set_choices(page: Any, choices: Iterable[Choice]) -> None:
    """Replace the page's choices, in memory like any child relation: saved with the page, or
    carried by its next revision. A page with no choices and no record gets none."""
    choices = list(choices)
    record = record_of(page)
    if record is None:
        if not choices:
            return
        record = CrosspostChoices()
    record.channels = serialize(choices)
    setattr(page, RELATION_NAME, [record])


def choose(page: Any, channel: Any, **values: Any) -> Choice:
    """Add or change the page's choice for one channel (in memory; ticked unless told)."""
    channel_id = int(getattr(channel, "pk", channel))
    choices = choices_for(page)
    values.setdefault("enabled", True)
    if "image" in values:  # an image object, as the form and the old child rows took it
        image = values.pop("image")
        values["image_id"] = getattr(image, "pk", image)
    choice = replace(choices.get(channel_id, Choice(channel_id)), **values)
    choices[channel_id] = choice
    set_choices(page, choices.values())
    return choice
