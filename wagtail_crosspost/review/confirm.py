"""What the approver is told after *Approve the posts*: which posts they approved and what
happens next (the page is published, moves on in its workflow, or its other posts wait for
another approver).

Wagtail's workflow action has no message of its own. From the dashboard's modal, the task's
``on_action`` returns the address of ``views.approved``, which shows this message and goes on to
the page; in the page editor, the ``after_edit_page`` hook shows it (``workflow.take_approved``
finds the task state the approval in this thread used).
"""

from __future__ import annotations

from typing import Any

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PostApproval
from .workflow import pending


def confirmation(task_state: Any, user: Any) -> str | None:
    """The message for ``user`` after approving in ``task_state`` (or asking for changes);
    None if they decided nothing there."""
    from wagtail.models import TaskState, WorkflowState

    if task_state.status == TaskState.STATUS_REJECTED:
        if task_state.finished_by_id != user.pk:
            return None
        page = task_state.workflow_state.content_object
        return _(
            "You asked for changes to the posts of “%(page)s”: the page goes back to whoever "
            "submitted it, with your comment."
        ) % {"page": page.get_admin_display_title()}
    approvals = PostApproval.objects.filter(task_state=task_state, approved_by=user)
    names = sorted(set(approvals.values_list("channel__name", flat=True)))
    if not names:
        return None
    page = task_state.workflow_state.content_object.specific
    text = _("You approved the posts of “%(page)s” for %(channels)s.") % {
        "page": page.get_admin_display_title(),
        "channels": get_text_list(names, _("and")),
    }
    if task_state.status == TaskState.STATUS_IN_PROGRESS:
        waiting = len(pending(task_state.task.specific, page))
        then = ngettext(
            "%(count)s post still waits for another approver.",
            "%(count)s posts still wait for another approver.",
            waiting,
        ) % {"count": waiting}
    elif task_state.workflow_state.status == WorkflowState.STATUS_APPROVED:
        then = _("The page is published: the posts go out as planned.")
    else:
        then = _("The page moves on to the next step of its workflow.")
    return f"{text} {then}"


def tell(request: Any, task_state: Any) -> None:
    """Show ``request.user`` the confirmation of their decision in ``task_state``, if any."""
    from django.contrib import messages

    text = confirmation(task_state, request.user)
    if text:
        messages.success(request, text)
