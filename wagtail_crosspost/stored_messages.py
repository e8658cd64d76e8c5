"""Messages stored as a code plus parameters, rendered in the reader's language when shown.

Like Wagtail's log entries, a publication keeps *what happened*, not an English sentence: the
outbox stores ``message_code`` and ``message_params`` next to the plain text (``error``, kept for
search, old rows and anything that cannot render the code). The log list and details, the panel,
the API, the CSV export and the notifications render the code in the reader's language.

Two kinds of codes:

- registered codes (``register(code, template)``), for sentences built from other sentences
  ("Gave up after %(n)s attempts. Last error: %(error)s");
- ``TEXT``: any sentence written with this module's ``gettext`` (the adapters and the outbox use
  it as ``_``). It is a ``str`` in the language active when it was made, and remembers its msgid
  and its ``%`` values, so it can be rendered again in another language from the catalogue.

A value that is itself such a sentence is stored as one (nested), a moment (``moment(dt)``, or
``clock(dt)`` for a time of day) as an ISO time rendered in the reader's time zone and language
when it is read; anything else as its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as django_gettext
from django.utils.translation import gettext_lazy

#: a sentence written with ``gettext``: params ``{"msgid": ..., "values": {...}}``
TEXT = "crosspost.text"
#: sentences one per line: params ``{"lines": [...]}``
LINES = "crosspost.lines"
#: key of a moment among the values: rendered as a time in the reader's time zone
MOMENT = "__moment__"
#: next to a moment: a time of day, with the date only when it is not the reader's today
CLOCK = "clock"

_REGISTRY: dict[str, Any] = {}


def register(code: str, template: Any) -> None:
    """Register a translatable template (``gettext_lazy``) under ``code``. Its ``%(name)s``
    values are given when the message is made (``message(code, name=...)``)."""
    _REGISTRY[code] = template


def registered(code: str) -> bool:
    return code in _REGISTRY or code in (TEXT, LINES)


class Message(str):
    """A sentence in the language active when it was made, which remembers how it was made."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str, params: dict[str, Any]) -> Message:
        made = super().__new__(cls, text)
        made.code = code
        made.params = params
        return made

    def __mod__(self, values: Any) -> Any:  # type: ignore[override]
        text = str.__mod__(self, values)
        if self.code != TEXT or not isinstance(values, Mapping) or "values" in self.params:
            return text  # positional values (or formatted twice): plain text, shown as stored
        return Message(text, TEXT, {**self.params, "values": encode_values(values)})

    def __reduce__(self) -> Any:  # pickles (task queues) as itself, not as a plain str
        return (Message, (str(self), self.code, self.params))

    def encoded(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def gettext(msgid: str) -> Message:
    """``django.utils.translation.gettext`` that remembers its msgid (use it as ``_``)."""
    return Message(django_gettext(msgid), TEXT, {"msgid": msgid})


def message(code: str, **values: Any) -> Message:
    """A registered message, rendered in the active language."""
    params = encode_values(values)
    return Message(render(code, params), code, params)


def lines(parts: Iterable[Any]) -> str:
    """Sentences one per line; a ``Message`` if every part is one (else plain text)."""
    kept = [part for part in parts if str(part).strip()]
    text = "\n".join(str(part) for part in kept)
    if not kept or not all(isinstance(part, Message) for part in kept):
        return text
    if len(kept) == 1:
        return kept[0]
    return Message(text, LINES, {"lines": [part.encoded() for part in kept]})


def moment(value: datetime) -> Message:
    """A time, shown in the reader's time zone and language."""
    return Message(_render_moment(value.isoformat()), MOMENT, {"at": value.isoformat()})


def clock(value: datetime) -> Message:
    """A time of day ("goes out at 14:05"), shown in the reader's time zone and language when
    it is read: only the time on that day, the date too on another day."""
    params = {"at": value.isoformat(), CLOCK: True}
    return Message(_render_moment(value.isoformat(), clock=True), MOMENT, params)


def encode_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {str(name): _encode(value) for name, value in values.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, Message):
        if value.code == MOMENT:
            if value.params.get(CLOCK):
                return {MOMENT: value.params["at"], CLOCK: True}
            return {MOMENT: value.params["at"]}
        return value.encoded()
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Promise):  # a lazy label, e.g. a platform's name: its msgid
        args: Any = getattr(value, "_proxy____args", ())
        if len(args) == 1 and isinstance(args[0], str):
            return {"code": TEXT, "params": {"msgid": args[0]}}
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if MOMENT in value:
            return _render_moment(str(value[MOMENT]), clock=bool(value.get(CLOCK)))
        if "code" in value:
            return render(str(value["code"]), value.get("params") or {})
    return value


def _render_moment(iso: str, clock: bool = False) -> str:
    """In the active time zone (the site's, or the Wagtail user's in the admin) and language."""
    when = parse_datetime(iso)
    if when is None:
        return iso
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    if not clock:
        return formats.date_format(when, "DATETIME_FORMAT")
    if timezone.is_aware(when) and when.date() == timezone.localdate():
        return formats.time_format(when, "TIME_FORMAT")
    return formats.date_format(when, "SHORT_DATETIME_FORMAT")


def render(code: str, params: Mapping[str, Any], language: str | None = None) -> str:
    """The message in ``language`` (default: the active one). Raises ``KeyError`` or
    ``ValueError`` for a code or parameters it does not know: callers fall back to the text."""
    if language:
        with translation.override(language):
            return render(code, params)
    if code == LINES:
        return "\n".join(_decode(part) for part in params["lines"])
    if code == TEXT:
        template = django_gettext(str(params["msgid"]))
        values = params.get("values")
    else:
        template = str(_REGISTRY[code])
        values = params
    if values is None:
        return template
    if not isinstance(values, Mapping):
        raise ValueError(code)
    try:
        return template % {name: _decode(value) for name, value in values.items()}
    except (KeyError, TypeError) as missing:
        raise ValueError(code) from missing


def store(text: Any) -> dict[str, Any]:
    """The fields to store for ``text``: its code and parameters when it has them."""
    if isinstance(text, Message) and text.code != MOMENT:
        return {"message_code": text.code, "message_params": text.params}
    return {"message_code": "", "message_params": {}}


# "It will be tried again" belongs to a row that is still queued: once it has failed for good
# (or went out), the promise is dropped, in whichever language the sentence is shown.
RETRY_PROMISE = gettext_lazy("It will be tried again")


def without_retry_promise(text: str) -> str:
    promises = {str(RETRY_PROMISE), "It will be tried again"}
    for promise in promises:
        text = re.sub(r"\s*" + re.escape(promise) + r"[^.\n]*\.?", "", text)
    return text.strip()


def shown(
    code: str,
    params: Mapping[str, Any] | None,
    text: str,
    *,
    final: bool = False,
    language: str | None = None,
) -> str:
    """What to show for a stored message: rendered from its code when it has one (and the code
    and its parameters are known), else the stored text; ``final``: without a retry promise."""
    rendered = text
    if code:
        try:
            rendered = render(code, params or {}, language)
        except (KeyError, ValueError, TypeError):
            rendered = text
    if final:
        if language:
            with translation.override(language):
                return without_retry_promise(rendered)
        return without_retry_promise(rendered)
    return rendered


register("crosspost.gave_up", gettext_lazy("Gave up after %(n)s attempts. Last error: %(error)s"))
register(
    "crosspost.unexpected",
    gettext_lazy("An unexpected error stopped this post (%(error)s). See the server log."),
)


def render_message(publication: Any, language: str | None = None) -> str:
    """A publication's stored error in ``language`` (default: the active one), fitting its
    state: no "it will be tried again" once nothing more will be tried. For every place that
    shows it: the log, the panel, the API, the CSV export, the notifications."""
    return shown(
        getattr(publication, "message_code", "") or "",
        getattr(publication, "message_params", None),
        publication.error or "",
        final=not publication.in_flight,
        language=language,
    )


def stored_detail(text: Any) -> dict[str, Any]:
    """A channel's status detail as stored next to its text: code, parameters and the text."""
    fields = store(text)
    if not fields["message_code"]:
        return {}
    return {"code": fields["message_code"], "params": fields["message_params"], "text": str(text)}


def render_detail(text: str, stored: Any) -> str:
    """A channel's status detail in the reader's language. The code counts only while the text
    is the one it was stored with (other writers update the text alone)."""
    if not isinstance(stored, dict) or not stored.get("code") or stored.get("text") != text:
        return text or ""
    return shown(str(stored["code"]), stored.get("params"), text)
