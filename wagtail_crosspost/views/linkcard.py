"""The panel's link-card check: the page's card tags and image, checked per ticked platform.

Only someone who may edit the page may ask, and only the page's own address is fetched (never
an address from the request). The platforms are those of the ticked channels the user may see
and the page may post to: no channel of another site is revealed.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Page

from ..linkcards.check import check_page
from ..models import Channel
from ..outbox.inputs import page_url


@require_GET
def link_card(request, page_id: int) -> JsonResponse:
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        return JsonResponse({"error": _("You may not edit this page.")}, status=403)
    ids = [value for value in request.GET.getlist("channel") if value.isascii() and value.isdigit()]
    channels = (
        Channel.objects.for_page(page).visible_to(request.user).filter(pk__in=ids[:50])
        if ids
        else Channel.objects.none()
    )
    platforms = sorted({channel.platform for channel in channels})
    try:
        url = page_url(page)
    except Exception:  # a site's own PAGE_URL callable: its error is not the editor's
        url = ""
    report = check_page(page, url, platforms, request=request)
    data = report.as_json()
    data["channels"] = {str(channel.pk): channel.platform for channel in channels}
    data["source_label"] = (
        _("Checked at the page's public address.")
        if report.source == "live"
        else _("The page is not live yet: checked as the latest draft renders.")
    )
    return JsonResponse(data)
