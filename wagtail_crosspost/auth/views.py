"""Admin screens for connecting accounts: start → the platform → callback → choose the account →
saved; and disconnect.

Every view needs a logged-in admin user with ``add_channel`` (new channel) or ``change_channel``
(existing channel). State changes only by POST (CSRF-protected); the callback is a GET because
the platform redirects the browser there, and it only ever completes a flow that this session
started (``state`` / request token, single use).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.admin.auth import require_admin_access

from ..adapters.oauth import Account, FlowError, OAuthError, Refused, TokenSet, Unavailable
from ..adapters.provider import Provider, get_provider, provider_for_channel
from ..models import Channel
from ..review.audit import CHANNEL_CONNECTED, CHANNEL_DISCONNECTED, log_channel
from ..review.rights import can_manage
from . import oauth1, oauth2, store
from .connect import disconnect as disconnect_channel
from .connect import save_connection
from .guides import guide_url

URL_NAMESPACE = "wagtail_crosspost:auth"


def auth_url(name: str, *args: Any) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def _check_permission(request: HttpRequest, channel: Channel | None) -> None:
    codename = "change_channel" if channel is not None else "add_channel"
    if not request.user.has_perm(f"wagtail_crosspost.{codename}"):
        raise PermissionDenied
    if channel is not None and not can_manage(request.user, channel):
        raise PermissionDenied  # another site's channel, or one the user's groups may not manage


def _error(
    request: HttpRequest, message: str, *, status: int = 400, channel=None, guide_url: str = ""
) -> HttpResponse:
    """The page that says why the account was not connected.

    400 when the request itself cannot be completed (a forged or expired flow, a refusal); 200
    when the site or the platform is the reason (the app is not set up, the platform did not
    answer): the page is a readable answer, not a gateway failure that a proxy in front of the
    site might replace with its own error page.
    """
    back = (
        reverse("wagtail_crosspost_channels:edit", args=[channel.pk])
        if channel is not None and channel.pk
        else reverse("wagtail_crosspost_channels:index")
    )
    return TemplateResponse(
        request,
        "wagtail_crosspost/auth/error.html",
        {
            "page_title": _("The account was not connected"),
            "message": message,
            "back_url": back,
            "guide_url": guide_url,
        },
        status=status,
    )


def callback_uri(request: HttpRequest, provider: Provider) -> str:
    """The redirect URI registered with the platform (``REDIRECT_URI`` overrides, e.g. behind a
    proxy that hides https)."""
    return str(provider.setting("REDIRECT_URI") or request.build_absolute_uri(auth_url("callback")))


def _flow_target(request: HttpRequest, entry: dict[str, Any]) -> tuple[Provider, Channel | None]:
    provider = get_provider(str(entry.get("platform") or ""), str(entry.get("protocol") or ""))
    provider = provider.restore(entry)
    channel = None
    if entry.get("channel"):
        channel = Channel.objects.filter(pk=entry["channel"], platform=provider.key).first()
        if channel is None:
            raise Http404(_("The channel no longer exists."))
    _check_permission(request, channel)
    return provider, channel


@never_cache
@require_admin_access
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    channel = None
    if request.POST.get("channel"):
        channel = get_object_or_404(Channel, pk=request.POST["channel"])
        platform = channel.platform
    else:
        platform = request.POST.get("platform", "")
    _check_permission(request, channel)
    try:
        provider = get_provider(platform, request.POST.get("protocol", ""))
    except LookupError:
        raise Http404(_("This platform cannot be connected with OAuth.")) from None
    if provider.missing_settings():  # the setting names are for developers: checks and docs
        return _error(
            request,
            _(
                "%(platform)s cannot be connected yet: this site needs its own %(platform)s "
                "app. Ask your developer to configure the %(platform)s app."
            )
            % {"platform": provider.label},
            status=200,
            channel=channel,
            guide_url=guide_url(provider.key),
        )
    begin = oauth1.begin if provider.protocol == "oauth1" else oauth2.begin
    redirect_uri = callback_uri(request, provider)
    try:
        # Mastodon: the server the administrator named, with this site's app registered there.
        provider = provider.prepare(
            server_url=request.POST.get("server_url", ""),
            redirect_uri=redirect_uri,
            channel=channel,
        )
    except Refused as error:
        return _error(request, error.message, channel=channel)
    except OAuthError as error:
        return _error(request, error.message, status=200, channel=channel)
    try:
        url = begin(
            request.session,
            provider,  # type: ignore[arg-type]
            redirect_uri=redirect_uri,
            user_id=request.user.pk,
            channel_id=channel.pk if channel else None,
        )
    except OAuthError as error:
        return _error(request, error.message, status=200, channel=channel)
    return HttpResponseRedirect(url)


@never_cache
@require_admin_access
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    params = request.GET
    if "state" not in params and ("oauth_token" in params or "denied" in params):
        return _callback_oauth1(request)
    try:
        flow = oauth2.take_flow(request.session, params.get("state", ""), request.user.pk)
    except FlowError as error:
        return _error(request, error.message)
    provider, channel = _flow_target(request, flow)
    if params.get("error"):
        return _error(
            request,
            _(
                "%(platform)s did not connect the account (%(error)s%(description)s). "
                "Nothing was saved."
            )
            % {
                "platform": provider.label,
                "error": params["error"][:100],
                "description": f": {params.get('error_description', '')[:300]}"
                if params.get("error_description")
                else "",
            },
            channel=channel,
        )
    code = params.get("code", "")
    if not code:
        return _error(request, _("The platform sent no authorization code. Nothing was saved."))
    try:
        token = oauth2.exchange(provider, flow, code)
        accounts = oauth2.accounts(provider, token)
    except Refused as error:
        return _error(request, error.message, channel=channel)
    except Unavailable as error:
        return _error(request, error.message, status=200, channel=channel)
    return _offer(request, provider, channel, token, accounts)


def _callback_oauth1(request: HttpRequest) -> HttpResponse:
    params = request.GET
    request_token = params.get("oauth_token") or params.get("denied") or ""
    try:
        flow = oauth1.take_flow(request.session, request_token, request.user.pk)
    except FlowError as error:
        return _error(request, error.message)
    provider, channel = _flow_target(request, flow)
    if "denied" in params or not params.get("oauth_verifier"):
        return _error(
            request,
            _("X did not connect the account (access was denied). Nothing was saved."),
            channel=channel,
        )
    assert provider.protocol == "oauth1"
    try:
        token = oauth1.complete(provider, flow, request_token, params["oauth_verifier"])  # type: ignore[arg-type]
        accounts = oauth1.accounts(provider, token)  # type: ignore[arg-type]
    except Refused as error:
        return _error(request, error.message, channel=channel)
    except Unavailable as error:
        return _error(request, error.message, status=200, channel=channel)
    return _offer(request, provider, channel, token, accounts)


def _offer(
    request: HttpRequest,
    provider: Provider,
    channel: Channel | None,
    token: TokenSet,
    accounts: list[Account],
) -> HttpResponse:
    """Keep the token (encrypted, in the session) and let the admin choose the account."""
    if not accounts:
        return _error(
            request,
            _(
                "%(platform)s connected, but the account cannot post anywhere this site "
                "supports (no Page, organization or business account it may post as). Check the "
                "account's roles and the permissions granted to the app. Nothing was saved."
            )
            % {"platform": provider.label},
            channel=channel,
        )
    key = store.new_key()
    store.put(
        request.session,
        "pending",
        key,
        {
            "platform": provider.key,
            "protocol": provider.protocol,
            "channel": channel.pk if channel else None,
            "user": str(request.user.pk),
            **provider.flow_data(),
            "token": token.to_dict(),
            "accounts": [a.to_dict() for a in accounts],
        },
    )
    return redirect(auth_url("choose", key))


@never_cache
@require_admin_access
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest, key: str) -> HttpResponse:
    pending = store.peek(request.session, "pending", key)
    if pending is None or pending.get("user") != str(request.user.pk):
        return _error(
            request,
            _("This connection has expired or was already saved. Start connecting again."),
        )
    provider, channel = _flow_target(request, pending)
    accounts = [Account.from_dict(a) for a in pending.get("accounts") or []]
    error = ""
    if request.method == "POST":
        chosen = next((a for a in accounts if a.id == request.POST.get("account")), None)
        if chosen is None:
            error = _("Choose one of the accounts.")
        else:
            pending = store.take(request.session, "pending", key)  # single use
            if pending is None:
                return _error(request, _("This connection was already saved."))
            saved = save_connection(
                provider=provider,
                token=TokenSet.from_dict(pending["token"]),
                account=chosen,
                channel=channel,
                name=request.POST.get("name", "").strip(),
            )
            log_channel(saved, CHANNEL_CONNECTED, request.user)
            messages.success(
                request,
                _("“%(channel)s” is connected and posts as %(account)s.")
                % {"channel": saved.name, "account": chosen.name},
            )
            return redirect("wagtail_crosspost_channels:edit", saved.pk)
    current = provider.account_key(channel.options or {}) if channel else ""
    context = {
        "page_title": _("Choose the account"),
        "page_subtitle": provider.label,
        "platform": provider.label,
        "channel": channel,
        # Only what the page shows: never an Account (it carries a Page's token).
        "accounts": [
            {"id": a.id, "name": a.name, "kind": a.kind, "detail": a.detail} for a in accounts
        ],
        "selected": request.POST.get("account") or current or (accounts[0].id if accounts else ""),
        "error": error,
        "action": auth_url("choose", key),
        "cancel_url": reverse("wagtail_crosspost_channels:index"),
    }
    return TemplateResponse(
        request,
        "wagtail_crosspost/auth/choose_account.html",
        context,
        status=400 if error else 200,
    )


@never_cache
@require_admin_access
@require_http_methods(["GET", "POST"])
def disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    _check_permission(request, channel)
    if request.method == "POST":
        note = disconnect_channel(channel)
        log_channel(channel, CHANNEL_DISCONNECTED, request.user)
        messages.success(
            request,
            _("“%(channel)s” is disconnected. %(note)s") % {"channel": channel.name, "note": note},
        )
        return redirect("wagtail_crosspost_channels:edit", channel.pk)
    provider = provider_for_channel(channel)
    return TemplateResponse(
        request,
        "wagtail_crosspost/auth/disconnect.html",
        {
            "page_title": _("Disconnect “%(channel)s”") % {"channel": channel.name},
            "channel": channel,
            "revokes": bool(provider and provider.can_revoke),
            "platform": provider.label if provider else channel.platform_label,
            "action": auth_url("disconnect", channel.pk),
            "cancel_url": reverse("wagtail_crosspost_channels:edit", args=[channel.pk]),
        },
    )
