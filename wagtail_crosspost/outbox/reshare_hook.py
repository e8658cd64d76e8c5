"""The last look before a re-share goes out: the evergreen layer installs it (``apps.ready``),
so that the outbox never imports that layer. It answers a reason to skip the row, or "" to send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ReshareCheck = Callable[[Any], str]
_check: ReshareCheck | None = None


def set_reshare_check(check: ReshareCheck | None) -> None:
    global _check
    _check = check


def reason_to_skip(row: Any) -> str:
    """Why this re-share must not go out now ("" when it may)."""
    return _check(row) if _check is not None else ""
