"""The calendar's moves: POST ``calendar/move/`` (an entry to a new time) and ``calendar/undo/``.

Both answer JSON: ``{"ok": true, "start": ..., "undo": token}`` or ``{"error": message}`` with
status 400 (bad input, nothing changed) or 403 (no right to move, nothing changed).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import moves
from .calendar_views import _moment, can_see_calendar


@require_POST
def move(request: HttpRequest) -> JsonResponse:
    """``entry`` ("page-<id>" or "post-<id>") and ``start`` (ISO 8601, with its offset)."""
    if not can_see_calendar(request.user):
        raise PermissionDenied
    when = _moment(request.POST.get("start"))
    if when is None:
        return JsonResponse({"error": _("Give the new date and time.")}, status=400)
    try:
        moved = moves.move(request.user, request.POST.get("entry", ""), when)
    except moves.MoveError as error:
        return JsonResponse({"error": str(error)}, status=_status(error))
    return JsonResponse(
        {
            "ok": True,
            "start": moved.now_at.isoformat(),
            "previous": moved.previous.isoformat(),
            "undo": moved.undo,
            "undoSeconds": moves.UNDO_SECONDS,
        }
    )


@require_POST
def undo(request: HttpRequest) -> JsonResponse:
    if not can_see_calendar(request.user):
        raise PermissionDenied
    try:
        moved = moves.undo(request.user, request.POST.get("token", ""))
    except moves.MoveError as error:
        return JsonResponse({"error": str(error)}, status=_status(error))
    return JsonResponse({"ok": True, "start": moved.now_at.isoformat()})


def _status(error: moves.MoveError) -> int:
    return 403 if isinstance(error, moves.MoveForbidden) else 400
