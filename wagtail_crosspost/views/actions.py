"""State-changing admin actions: POST only, CSRF-protected, permission-checked."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages

from ..models import Channel, Publication
from ..outbox import planning, tasks
from ..outbox.page_history import log_planned, log_retried
from ..permissions import user_can_crosspost
from ..review.rights import ChannelRight, can_manage, channel_ids_with


def _back(request, fallback: str):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _publication_for(request, pk: int) -> Publication:
    """The row, if the user may act on it: the right to crosspost, the row in one of their
    sites, and the right to edit its page."""
    rows = Publication.objects.select_related("channel")
    publication = get_object_or_404(rows, pk=pk)
    if not user_can_crosspost(request.user):
        raise PermissionDenied
    if not rows.visible_to(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    if publication.page and not publication.page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    if not channel_ids_with(request.user, ChannelRight.POST, [publication.channel_id]):
        raise PermissionDenied  # rights per channel: retrying or deleting is posting
    return publication


@require_http_methods(["GET", "POST"])
def retry(request, pk: int):
    publication = _publication_for(request, pk)
    if publication.status == Publication.Status.UNKNOWN and not (
        request.method == "POST" and request.POST.get("confirmed")
    ):
        # It may have been posted: a retry could post it twice, so the editor confirms.
        return _confirm_retry(request, publication)
    if request.method != "POST":
        return redirect("wagtail_crosspost_log:index")
    if planning.retry(publication, user=request.user):
        log_retried(publication, request.user)
        tasks.enqueue([publication])
        messages.success(
            request,
            _("Queued again for %(channel)s.") % {"channel": publication.channel.name},
        )
    else:
        messages.warning(request, _("Only failed or unknown posts can be retried."))
    return _back(request, "wagtail_crosspost_log:index")


def _confirm_retry(request, publication: Publication):
    from django.template.response import TemplateResponse

    return TemplateResponse(
        request,
        "wagtail_crosspost/log/confirm_retry.html",
        {
            "publication": publication,
            "page_title": _("Post again? It may already be online"),
            "next": request.POST.get("next") or request.GET.get("next") or "",
        },
    )


def delete_remote(request, pk: int):
    """Confirm, then delete the post on the platform (where the platform can)."""
    from django.template.response import TemplateResponse

    publication = _publication_for(request, pk)
    if request.method == "POST":
        row = planning.plan_delete(publication, user=request.user)
        if row is None:
            messages.warning(request, _("This post cannot be deleted (or is being deleted)."))
        else:
            log_planned(publication.page, [row], request.user)
            tasks.enqueue([row])
            messages.success(
                request,
                _("The post on %(channel)s will be deleted.") % {"channel": publication.channel},
            )
        return redirect("wagtail_crosspost_log:index")
    return TemplateResponse(
        request,
        "wagtail_crosspost/log/confirm_delete_remote.html",
        {"publication": publication, "page_title": _("Delete the post on the platform?")},
    )


@require_POST
def test_connection(request, pk: int):
    if not request.user.has_perm("wagtail_crosspost.change_channel"):
        raise PermissionDenied
    channel = get_object_or_404(Channel, pk=pk)
    if not can_manage(request.user, channel):  # its site, and the right to manage it
        raise PermissionDenied
    from ..outbox.health import check_channel

    health = check_channel(channel)
    if health.ok:
        messages.success(
            request,
            _("%(channel)s is connected. %(detail)s")
            % {"channel": channel.name, "detail": health.detail},
        )
    else:
        messages.error(
            request,
            _("%(channel)s: %(detail)s") % {"channel": channel.name, "detail": health.detail},
        )
    return _back(request, "wagtail_crosspost_channels:index")
