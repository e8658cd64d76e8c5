"""Rows written before messages were stored as codes (0009) keep an English sentence only, so the
German admin showed them in English. This gives them the code and parameters that the outbox
writes today, where the sentence can be read back:

- the two registered sentences (giving up, an unexpected error), with their inner error read too;
- any other sentence that the package's catalogue translates (its English msgid), with its
  ``%(name)s`` values read out of the text;
- several sentences one per line, when every line can be read.

A time of day written into a pacing sentence ("rests until 14:05") becomes a moment again when it
is the row's next attempt (or the channel's pause) in the site's time zone. Text that cannot be
read is left as it is: it keeps showing as written. Channels' status details get the same.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import formats, timezone, translation

TEXT = "crosspost.text"
LINES = "crosspost.lines"
MOMENT = "__moment__"
CLOCK = "clock"
# Frozen copies of the registered sentences as they were written (stored_messages.register).
REGISTERED = {
    "crosspost.gave_up": "Gave up after %(n)s attempts. Last error: %(error)s",
    "crosspost.unexpected": "An unexpected error stopped this post (%(error)s). See the server log.",
}
CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
#: values that were themselves sentences (an adapter's error inside "Gave up after …")
NESTED = {"error", "detail"}
#: values that were a platform's lazy label: stored as its msgid, so it is translated too
LABELS = {"platform", "software"}
NUMBERS = {"n", "limit", "minutes", "total", "attempts"}
#: enough words outside the placeholders to tell one sentence from another
MIN_LITERAL_LETTERS = 12


def msgids(path: Path = CATALOGUE) -> list[str]:
    """The English sentences the catalogue translates (no plural or context entries)."""
    if not path.exists():
        return []
    found: list[str] = []
    current: list[str] | None = None
    skip = False
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgctxt"):
            skip = True
        elif line.startswith("msgid_plural"):
            skip, current = True, None
        elif line.startswith("msgid "):
            current = [ast.literal_eval(line[6:])]
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif line.startswith("msgstr"):
            if current is not None and not skip and "".join(current):
                found.append("".join(current))
            current, skip = None, False
    return found


class Template:
    def __init__(self, code: str, text: str):
        self.code, self.text = code, text
        self.literal = len(re.findall(r"[A-Za-z]", PLACEHOLDER.sub("", text)))
        pattern, seen = [], set()
        position = 0
        for match in PLACEHOLDER.finditer(text):
            pattern.append(re.escape(text[position : match.start()]))
            name = match.group(1)
            if name is None:
                pattern.append("%")
            elif name in seen:
                pattern.append(f"(?P={name})")
            else:
                seen.add(name)
                pattern.append(f"(?P<{name}>.+?)")
            position = match.end()
        pattern.append(re.escape(text[position:]))
        self.regex = re.compile("".join(pattern), re.DOTALL)


class Reader:
    """Reads old English sentences back into codes and parameters."""

    def __init__(self, texts: list[str]):
        templates = [Template(code, text) for code, text in REGISTERED.items()]
        templates += [Template(TEXT, text) for text in texts]
        usable = [t for t in templates if t.literal >= MIN_LITERAL_LETTERS]
        # The most specific sentence first ("Could not reach X. It will be tried again." before
        # a shorter one that would also match).
        self.templates = sorted(usable, key=lambda t: -t.literal)
        self.labels = {text for text in texts if "%" not in text and len(text) < 40}

    def read(self, text: str, moments: list[datetime]) -> dict[str, Any] | None:
        """``{"code": ..., "params": ...}`` for ``text``, or None."""
        text = text.strip()
        if not text:
            return None
        for template in self.templates:
            match = template.regex.fullmatch(text)
            if match is None:
                continue
            values = {name: self.value(name, v, moments) for name, v in match.groupdict().items()}
            if template.code != TEXT:
                return {"code": template.code, "params": values}
            params: dict[str, Any] = {"msgid": template.text}
            if values:
                params["values"] = values
            return {"code": TEXT, "params": params}
        if "\n" in text:
            lines = [self.read(line, moments) for line in text.splitlines() if line.strip()]
            if len(lines) > 1 and all(lines):
                return {"code": LINES, "params": {"lines": lines}}
        return None

    def value(self, name: str, value: str, moments: list[datetime]) -> Any:
        if name in NESTED:
            return self.read(value, moments) or value
        if name in LABELS and value in self.labels:
            return {"code": TEXT, "params": {"msgid": value}}
        if name in NUMBERS and value.isdigit():
            return int(value)
        if name in ("time", "when"):
            return as_moment(value, moments)
        return value


def as_moment(value: str, moments: list[datetime]) -> Any:
    """The moment a written time stood for, when it is one of ``moments`` (as the worker wrote
    it: in the site's time zone, in English); else the text."""
    if not settings.USE_TZ:
        return value  # a site without time zones: the time stays as written
    zone = timezone.get_default_timezone()
    for moment in moments:
        if moment is None or timezone.is_naive(moment):
            continue
        local = timezone.localtime(moment, zone)
        if value == local.strftime("%H:%M"):
            return {MOMENT: moment.isoformat(), CLOCK: True}
        with translation.override("en"):
            if value == formats.date_format(local, "DATETIME_FORMAT"):
                return {MOMENT: moment.isoformat()}
    return value


def forwards(apps, schema_editor):
    Publication = apps.get_model("wagtail_crosspost", "Publication")
    Channel = apps.get_model("wagtail_crosspost", "Channel")
    old_rows = Publication.objects.filter(message_code="").exclude(error="")
    old_channels = Channel.objects.filter(status_message={}).exclude(status_detail="")
    if not old_rows.exists() and not old_channels.exists():
        return
    reader = Reader(msgids())
    fields = ["pk", "error", "next_attempt_at"]
    for row in old_rows.only(*fields).iterator(chunk_size=500):
        read = reader.read(row.error, [row.next_attempt_at])
        if read is not None:
            Publication.objects.filter(pk=row.pk).update(
                message_code=read["code"][:100], message_params=read["params"]
            )
    for channel in old_channels.only("pk", "status_detail", "paused_until", "token_expires_at"):
        read = reader.read(channel.status_detail, [channel.paused_until, channel.token_expires_at])
        if read is not None:
            Channel.objects.filter(pk=channel.pk).update(
                status_message={**read, "text": channel.status_detail}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_crosspost", "0011_clicks_goals_figures"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
