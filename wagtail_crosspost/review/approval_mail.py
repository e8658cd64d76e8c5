"""Notices about the *Social media approval* step: the approvers when posts wait for them, the
submitter when the posts were approved or changes were requested.

Each is a notice (``review.notices``): in the admin, and mailed at once or in the daily digest,
in each recipient's admin language, never with a token, and only with
``WAGTAILCROSSPOST_NOTIFICATIONS`` on. A request that was settled is marked seen for everyone.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from . import notices
from .models import GroupChannelPermission, SocialMediaApprovalTask

logger = logging.getLogger(__name__)


def _task_and_page(task_state: Any) -> tuple[Any, Any] | None:
    task = task_state.task.specific
    if not isinstance(task, SocialMediaApprovalTask):
        return None
    return task, task_state.workflow_state.content_object.specific


def approvers(task: SocialMediaApprovalTask, page: Any) -> list[Any]:
    """Who may approve at least one waiting post of ``page`` at this step."""
    from .workflow import approvable

    groups = list(task.groups.values_list("pk", flat=True))
    if groups:
        candidates = get_user_model().objects.filter(groups__in=groups)
    else:
        with_right = GroupChannelPermission.objects.filter(permission="approve").values("group")
        candidates = get_user_model().objects.filter(
            Q(groups__in=with_right) | Q(is_superuser=True)
        )
    users = candidates.filter(is_active=True).distinct()
    return [user for user in users if approvable(task, page, user)]


def _submitter(task_state: Any) -> list[Any]:
    state = task_state.workflow_state
    page = state.content_object
    people = {u.pk: u for u in (state.requested_by, getattr(page, "owner", None)) if u}
    return [u for u in people.values() if u.is_active]


def on_submitted(sender: Any, instance: Any, user: Any = None, **kwargs: Any) -> None:
    found = _task_and_page(instance)
    if not found or instance.status != "in_progress":
        return
    task, page = found
    notices.notify(
        [u for u in approvers(task, page) if u != user],
        "approval_requested",
        {"page": page.title},
        path=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        page=page,
        task_state=instance,
    )


def _on_decided(instance: Any, approved: bool) -> None:
    found = _task_and_page(instance)
    if not found:
        return
    _task, page = found
    notices.settle_requests(instance)
    notices.notify(
        _submitter(instance),
        "approved" if approved else "rejected",
        {"page": page.title, "comment": instance.comment or ""},
        path=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        page=page,
        task_state=instance,
    )


def on_approved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _on_decided(instance, approved=True)


def on_rejected(sender: Any, instance: Any, **kwargs: Any) -> None:
    _on_decided(instance, approved=False)


def connect() -> None:
    from wagtail.signals import task_approved, task_rejected, task_submitted

    task_submitted.connect(on_submitted, dispatch_uid="crosspost_approval_submitted")
    task_approved.connect(on_approved, dispatch_uid="crosspost_approval_approved")
    task_rejected.connect(on_rejected, dispatch_uid="crosspost_approval_rejected")
