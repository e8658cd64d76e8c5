"""The *Social media approval* workflow task: who approves which post, and what approving does.

An approval is stored per post and per fingerprint (``choices.fingerprint``): a post edited after
its approval has another fingerprint and waits for a new one. The outbox asks :func:`gate` at
planning time, so a post that needs an approval is not planned without it, however the page was
published.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import choice_channel_id, enabled_choices, fingerprint
from .models import PostApproval, SocialMediaApprovalTask
from .rights import can_approve

logger = logging.getLogger(__name__)

ACTIONS = [
    ("reject", _("Request changes to the posts"), True),
    ("approve", _("Approve the posts"), True),
]


def _channels_for(task: SocialMediaApprovalTask, page: Any) -> dict[int, Any]:
    from ..models import Channel

    channels = Channel.objects.for_page(page)
    chosen = list(task.channels.values_list("pk", flat=True))
    if chosen:
        channels = channels.filter(pk__in=chosen)
    return {channel.pk: channel for channel in channels}


def pending(task: SocialMediaApprovalTask, page: Any, revision: Any = None) -> list[tuple]:
    """(channel, choice) of every post of ``revision`` (the latest) this task must approve and
    nobody approved as it stands."""
    revision = revision or latest_revision(page)
    channels = _channels_for(task, page)
    wanted = [c for c in enabled_choices(revision) if choice_channel_id(c) in channels]
    if not wanted:
        return []
    approved = set(
        PostApproval.objects.filter(page=page, channel_id__in=channels).values_list(
            "channel_id", "fingerprint"
        )
    )
    return [
        (channels[choice_channel_id(c)], c)
        for c in wanted
        if (choice_channel_id(c), fingerprint(c)) not in approved
    ]


def latest_revision(page: Any) -> Any:
    """The page's newest revision, read afresh (an instance loaded earlier may be stale)."""
    return page.revisions.order_by("-created_at", "-pk").first()


def is_own(task: SocialMediaApprovalTask, page: Any, user: Any) -> bool:
    """Did ``user`` submit the page to the workflow (with the option on)? An approver who
    corrects a post's text in the editor may still approve it."""
    if not task.prevent_self_approval or user is None:
        return False
    state = page.current_workflow_state
    return state is not None and state.requested_by_id == user.pk


def may_approve(task: SocialMediaApprovalTask, user: Any, channel: Any) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    groups = list(task.groups.values_list("pk", flat=True))
    if groups and not user.groups.filter(pk__in=groups).exists():
        return False
    return can_approve(user, channel)


def approvable(task: SocialMediaApprovalTask, page: Any, user: Any) -> list[tuple]:
    """The pending posts ``user`` may approve on ``page`` now."""
    if is_own(task, page, user):
        return []
    return [(ch, c) for ch, c in pending(task, page) if may_approve(task, user, ch)]


def actions_for(task: SocialMediaApprovalTask, page: Any, user: Any) -> list[tuple]:
    return list(ACTIONS) if approvable(task, page, user) else []


def states_user_can_moderate(task: SocialMediaApprovalTask, user: Any) -> Any:
    from wagtail.models import TaskState

    states = task.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
    ids = [s.pk for s in states.select_related("revision") if _can_act(task, s, user)]
    return TaskState.objects.filter(pk__in=ids)


def _can_act(task: SocialMediaApprovalTask, state: Any, user: Any) -> bool:
    try:
        page = state.workflow_state.content_object.specific
    except AttributeError:
        return False
    return bool(approvable(task, page, user))


def record(page: Any, channel: Any, choice: Any, *, user: Any = None, name: str = "", state=None):
    """Store one approval and write it into the page history."""
    from wagtail.log_actions import log

    from .audit import APPROVED

    approval = PostApproval.objects.create(
        page=page,
        channel=channel,
        fingerprint=fingerprint(choice),
        task_state=state,
        approved_by=user,
        approved_by_name=name[:255],
    )
    data = {"channel": channel.name, "platform": channel.platform}
    if name:
        data["reviewer"] = name[:255]
    try:
        log(instance=page.specific_deferred, action=APPROVED, user=user, data=data)
    except Exception:
        logger.exception("Could not write the page history entry %s", APPROVED)
    return approval


@transaction.atomic
def act(
    task: SocialMediaApprovalTask,
    task_state: Any,
    user: Any,
    action_name: str,
    comment: str = "",
    reviewer_name: str = "",
    **kwargs: Any,
) -> str | None:
    """Wagtail's approve / reject on this task (the workflow action modal, or a preview link,
    where ``user`` is None and ``reviewer_name`` the typed name)."""
    page = task_state.workflow_state.content_object.specific
    if user is not None:
        posts = approvable(task, page, user)
        if not posts:
            raise PermissionDenied
    else:
        posts = pending(task, page)
    if action_name == "reject":
        task_state.reject(user=user, comment=_with_name(comment, reviewer_name))
    elif action_name != "approve":
        raise PermissionDenied
    else:
        for channel, choice in posts:
            record(page, channel, choice, user=user, name=reviewer_name, state=task_state)
        if not pending(task, page):
            # Every post approved: Wagtail moves on to the next task, or publishes.
            task_state.approve(user=user, comment=_with_name(comment, reviewer_name))
    if user is None:
        return None
    # The approver is told what they decided: in the editor by the after_edit_page hook, from
    # the dashboard's modal through this address (Wagtail redirects to what on_action returns).
    _approved.state = (task_state.workflow_state.object_id, task_state.pk)
    return reverse("wagtail_crosspost:approved", args=[task_state.pk])


#: The last decision in this thread: (page id, task state id), for the editor's message.
_approved = threading.local()


def take_approved(page: Any) -> int | None:
    """The task state a decision on ``page`` in this thread used (once; None if none)."""
    state = getattr(_approved, "state", None)
    _approved.state = None
    if state is None or str(state[0]) != str(page.pk):
        return None
    return state[1]


def _with_name(comment: str, name: str) -> str:
    if not name:
        return comment
    return f"{comment}\n— {name}".strip() if comment else f"— {name}"


def start(task: SocialMediaApprovalTask, task_state: Any) -> Any:
    """A page with nothing to approve passes this step at once."""
    page = task_state.workflow_state.content_object.specific
    if not pending(task, page):
        task_state.approve(user=None, update=False)
    return task_state


# -- the outbox's gate and edits after approval ------------------------------------------------


def tasks_of(page: Any) -> list[SocialMediaApprovalTask]:
    workflow = page.get_workflow() if hasattr(page, "get_workflow") else None
    if workflow is None or not workflow.active:
        return []
    return list(
        SocialMediaApprovalTask.objects.filter(
            workflow_tasks__workflow=workflow, active=True
        ).distinct()
    )


def gate(page: Any, revision: Any, choices: list[Any]) -> set[int]:
    """The outbox's plan gate: the channels whose post needs no approval or has one."""
    ids = {choice_channel_id(c) for c in choices}
    in_use = SocialMediaApprovalTask.objects.filter(
        active=True, workflow_tasks__workflow__active=True
    )
    if not in_use.exists():  # one query on sites that do not use the task
        return ids
    tasks = tasks_of(page)
    if not tasks:
        return ids
    needed: set[int] = set()
    for task in tasks:
        needed |= set(_channels_for(task, page))
    approved = set(
        PostApproval.objects.filter(page=page, channel_id__in=needed & ids).values_list(
            "channel_id", "fingerprint"
        )
    )
    return {
        choice_channel_id(c)
        for c in choices
        if choice_channel_id(c) not in needed or (choice_channel_id(c), fingerprint(c)) in approved
    }


def reopen_after_edit(page: Any) -> int:
    """An edit after approval sends the post back: an approved *Social media approval* step of
    the running workflow whose posts changed runs again (Wagtail's next task)."""
    from wagtail.models import TaskState

    state = page.current_workflow_state
    if state is None:
        return 0
    done = state.task_states.filter(status=TaskState.STATUS_APPROVED).select_related("task")
    reopened = 0
    for task_state in done:
        task = task_state.task.specific
        if isinstance(task, SocialMediaApprovalTask) and pending(task, page):
            task_state.status = TaskState.STATUS_CANCELLED
            task_state.save(update_fields=["status"])
            reopened += 1
    return reopened


def install() -> None:
    """Give the task model its rules (``apps.ready``)."""
    import sys

    SocialMediaApprovalTask.rules = sys.modules[__name__]
