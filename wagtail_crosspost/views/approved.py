"""Where the dashboard's *Approve the posts* modal lands: the approver is told what they approved
and what happens next (``review.confirm``), then goes on to the page, as Wagtail's own
workflow action would, or to the dashboard when they may no longer edit it."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from wagtail.models import Page, TaskState

from ..review.confirm import tell


def approved(request: Any, task_state_id: int) -> HttpResponse:
    task_state = get_object_or_404(TaskState, pk=task_state_id)
    page = task_state.workflow_state.content_object
    if not isinstance(page, Page):  # a snippet's workflow: never ours
        return redirect("wagtailadmin_home")
    tell(request, task_state)  # nothing for someone who approved nothing
    if page.permissions_for_user(request.user).can_edit():
        return redirect("wagtailadmin_pages:edit", page.pk)
    return redirect("wagtailadmin_home")
