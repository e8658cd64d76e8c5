"""The preview link's page (public, no login) and the admin's create / revoke of links.

The public page shows the planned posts read-only and a form: the reviewer's name, a comment,
approve or request changes. The answer goes through the workflow task's own action (the same
as Wagtail's approve and reject) and into the page history, with the typed name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from wagtail.models import Page

from ..review import links
from ..review.models import PreviewLink
from ..review.previews import planned_posts

PUBLIC_TEMPLATE = "wagtail_crosspost/review/preview_link.html"
ADMIN_TEMPLATE = "wagtail_crosspost/review/preview_links_admin.html"


class ReviewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=120)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea, max_length=4000
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("approve", gettext_lazy("Approve the posts")),
            ("reject", gettext_lazy("Request changes")),
        ],
        widget=forms.RadioSelect,
    )


def _secret_headers(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@csrf_protect
def public(request: Any, token: str) -> HttpResponse:
    if not links.enabled():
        raise Http404
    if links.rate_limited(token, request.META.get("REMOTE_ADDR", "")):
        return _secret_headers(HttpResponse(_("Too many requests."), status=429))
    link = links.resolve(token)
    if link is None:
        raise Http404
    page = link.page.specific
    waiting = links.current_approval(page)
    form = ReviewForm(request.POST or None)
    answered = ""
    if request.method == "POST":
        if waiting is None:
            raise Http404
        if form.is_valid():
            task, state = waiting
            decision = form.cleaned_data["decision"]
            task.on_action(
                state,
                None,
                decision,
                comment=form.cleaned_data["comment"],
                reviewer_name=form.cleaned_data["name"],
            )
            answered = decision
            waiting = links.current_approval(page)
    context = {
        "page_title": page.title,
        "posts": planned_posts(page),
        "form": form,
        "waiting": waiting is not None,
        "answered": answered,
        "expires_at": link.expires_at,
    }
    return _secret_headers(render(request, PUBLIC_TEMPLATE, context))


def _page_for(request: Any, page_id: int) -> Any:
    if not links.enabled():
        raise Http404
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def manage(request: Any, page_id: int) -> HttpResponse:
    """The page's links: create one (its URL shown once), revoke one."""
    page = _page_for(request, page_id)
    new_url = ""
    if request.method == "POST":
        if request.POST.get("revoke"):
            link = get_object_or_404(PreviewLink, page=page, pk=request.POST["revoke"])
            links.revoke(link)
            return redirect(request.path)
        _link, token = links.create(page, request.user)
        from django.urls import reverse

        new_url = request.build_absolute_uri(
            reverse("wagtail_crosspost_public:preview_link", args=[token])
        )
    rows = PreviewLink.objects.filter(page=page).order_by("-created_at")
    context = {"page": page, "links": rows, "new_url": new_url, "page_title": _("Preview links")}
    return _secret_headers(render(request, ADMIN_TEMPLATE, context))
