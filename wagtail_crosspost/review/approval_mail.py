"""E-mail about the *Social media approval* step: the approvers when posts wait for them, the
submitter when the posts were approved or changes were requested.

Sent through ``notifications._send``: in each recipient's admin language, never with a token,
and only with ``WAGTAILCROSSPOST_NOTIFICATIONS`` on.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import conf
from .models import GroupChannelPermission, SocialMediaApprovalTask
from .notifications import _admin_url, _send

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
    if not found or not conf.get("NOTIFICATIONS") or instance.status != "in_progress":
        return
    task, page = found
    url = _admin_url(reverse("wagtailadmin_pages:edit", args=[page.pk]))

    def compose() -> tuple[str, str]:
        names = {"page": page.title}
        subject = _("Social media posts of “%(page)s” wait for your approval") % names
        lead = _("The planned posts of “%(page)s” wait for your approval.") % names
        see = _("Review them here: %(url)s") % {"url": url}
        return subject, "\n\n".join([lead, see])

    _send([u for u in approvers(task, page) if u != user], compose, [])


def _on_decided(instance: Any, approved: bool) -> None:
    found = _task_and_page(instance)
    if not found or not conf.get("NOTIFICATIONS"):
        return
    _task, page = found
    url = _admin_url(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    comment = instance.comment or ""

    def compose() -> tuple[str, str]:
        names = {"page": page.title}
        if approved:
            subject = _("The social media posts of “%(page)s” were approved") % names
        else:
            subject = _("Changes requested to the social media posts of “%(page)s”") % names
        parts = [subject]
        if comment:
            parts.append(_("Comment: %(comment)s") % {"comment": comment})
        parts.append(_("The page: %(url)s") % {"url": url})
        return subject, "\n\n".join(parts)

    _send(_submitter(instance), compose, [])


def on_approved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _on_decided(instance, approved=True)


def on_rejected(sender: Any, instance: Any, **kwargs: Any) -> None:
    _on_decided(instance, approved=False)


def connect() -> None:
    from wagtail.signals import task_approved, task_rejected, task_submitted

    task_submitted.connect(on_submitted, dispatch_uid="crosspost_approval_submitted")
    task_approved.connect(on_approved, dispatch_uid="crosspost_approval_approved")
    task_rejected.connect(on_rejected, dispatch_uid="crosspost_approval_rejected")
