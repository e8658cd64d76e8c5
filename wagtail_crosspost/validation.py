"""Checks of untrusted input (the JSON API, the preview) that end in a readable sentence.

Text that a database cannot store must be refused before a query: PostgreSQL rejects a NUL
character, and a lone surrogate (JSON's ``"\\ud800"``) cannot be encoded as UTF-8 for any
database. An id outside the column's range fails the query on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Model
from django.utils.translation import gettext as _

#: Longest custom text the API takes: the longest post any built-in platform accepts
#: (a Facebook Page post, 63,206 characters). The adapters shorten to their own limits.
MAX_MESSAGE_LENGTH = 63_206
#: Longest channel name (``Channel.name``'s column)
MAX_NAME_LENGTH = 255


class InvalidInput(ValueError):
    """``str(error)`` is a sentence for the user."""


def clean_text(value: Any, field: str, max_length: int) -> str:
    """``value`` if it is a string a database can store and not longer than ``max_length``."""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be a string.") % {"field": field})
    if "\x00" in value:
        raise InvalidInput(
            _("“%(field)s” contains a NUL character, which cannot be stored.") % {"field": field}
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            _("“%(field)s” contains an invalid character (a lone surrogate).") % {"field": field}
        ) from None
    if len(value) > max_length:
        raise InvalidInput(
            _("“%(field)s” is too long: %(length)s characters, at most %(max)s.")
            % {"field": field, "length": len(value), "max": max_length}
        )
    return value


def clean_id(value: Any, model: type[Model], field: str) -> int:
    """``value`` (an int, or a string of ASCII digits) as a primary key of ``model``."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    low, high = id_range(model)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidInput(
            _("“%(field)s” must be a whole number from 1 to %(max)s.")
            % {"field": field, "max": high}
        )
    return value


def id_range(model: type[Model]) -> tuple[int, int]:
    """The values the primary key column of ``model`` can hold (the same on every database)."""
    internal_type = model._meta.pk.get_internal_type()  # type: ignore[union-attr]
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        internal_type, BaseDatabaseOperations.integer_field_ranges["BigIntegerField"]
    )
    return low, high
