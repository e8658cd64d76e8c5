"""The connect wizard: a guided page per platform (Meta, LinkedIn, X) that walks an administrator
through registering the site's own app, and keeps its keys encrypted in the database.

It shows the exact callback URL to paste (with a copy button), the scopes to request and the
platform's app-review steps, takes the app's keys, and checks them live: the platform's token
endpoint is asked to exchange a code that does not exist. A platform that knows the app answers
"invalid code"; one that does not know it (or the secret) answers "invalid client". Nothing is
created on the platform. Keys in ``WAGTAILCROSSPOST_PLATFORMS`` or the environment still win.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages
from wagtail.admin.auth import require_admin_access

from ..adapters.oauth import Refused, Unavailable
from ..adapters.provider import Provider, get_provider, platform_settings
from ..models import PlatformApp

#: The platforms the wizard sets up, by settings key (Instagram uses the Facebook app).
WIZARD_PLATFORMS = ("facebook", "threads", "linkedin", "x")

#: The code the live check asks the platform to exchange: it never exists.
CHECK_CODE = "wagtail-crosspost-key-check"

STEPS: dict[str, tuple[Any, ...]] = {
    "facebook": (
        gettext_lazy(
            "At developers.facebook.com, create an app of the type “Business” for your "
            "organisation's Business portfolio."
        ),
        gettext_lazy(
            "Add the product “Facebook Login for Business” and paste the callback URL below "
            "under “Valid OAuth Redirect URIs”. For Instagram, add “Instagram Graph API” too."
        ),
        gettext_lazy(
            "Under App Review, request advanced access to the permissions listed below. Meta "
            "asks for a short screen recording of the connect step and for business "
            "verification; until then only the app's own testers can connect."
        ),
        gettext_lazy(
            "Copy the App ID and the App secret (App settings → Basic) into the form below."
        ),
    ),
    "threads": (
        gettext_lazy(
            "At developers.facebook.com, create an app with the use case “Access the Threads API”."
        ),
        gettext_lazy(
            "Under the Threads use case's settings, paste the callback URL below as the "
            "“Redirect Callback URL”."
        ),
        gettext_lazy(
            "Under App Review, request access to the permissions listed below; until it is "
            "approved, add the posting accounts as Threads testers."
        ),
        gettext_lazy("Copy the Threads App ID and the Threads App secret into the form below."),
    ),
    "linkedin": (
        gettext_lazy(
            "At linkedin.com/developers/apps, create an app and link it to your company's "
            "LinkedIn Page (a Page administrator confirms the link)."
        ),
        gettext_lazy(
            "Under Products, add “Share on LinkedIn” and “Sign In with LinkedIn using OpenID "
            "Connect”; to post as the company's Page, request the “Community Management API” "
            "too (LinkedIn reviews that request)."
        ),
        gettext_lazy("Under Auth, add the callback URL below as an “Authorized redirect URL”."),
        gettext_lazy("Copy the Client ID and the Primary Client Secret into the form below."),
    ),
    "x": (
        gettext_lazy(
            "At developer.x.com, create a project and an app in it (posting needs an access "
            "level that allows it)."
        ),
        gettext_lazy(
            "Under “User authentication settings”, choose OAuth 2.0, the app type “Web App, "
            "Automated App or Bot”, and the permission “Read and write”."
        ),
        gettext_lazy(
            "Paste the callback URL below as the “Callback URI / Redirect URL”, and your "
            "website's address as the “Website URL”."
        ),
        gettext_lazy("Copy the OAuth 2.0 Client ID and Client Secret into the form below."),
    ),
}

PLATFORM_NAMES = {
    "facebook": gettext_lazy("Meta (Facebook and Instagram)"),
    "threads": gettext_lazy("Threads"),
    "linkedin": gettext_lazy("LinkedIn"),
    "x": gettext_lazy("X"),
}


class AppKeysForm(forms.Form):
    client_id = forms.CharField(label=gettext_lazy("App ID (client ID)"), max_length=200)
    client_secret = forms.CharField(
        label=gettext_lazy("App secret (client secret)"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the secret that is stored."),
    )


def _allowed(request: HttpRequest) -> None:
    if not request.user.is_superuser:  # the site's own app: for administrators only
        raise PermissionDenied


def keys_rejected(error: Refused) -> bool:
    """Whether a token endpoint's refusal is about the app (its id or secret), not the code."""
    detail = error.message.lower()
    return (
        error.code == "invalid_client"
        or error.status == 401
        or "client" in detail
        or "application" in detail
    )


def check_keys(provider: Provider, redirect_uri: str) -> tuple[bool | None, str]:
    """(accepted, sentence): True when the platform knows the app and its secret, False when
    it refused them, None when it could not be asked. Through the outbound gate (oauth.Client)."""
    data = {"grant_type": "authorization_code", "code": CHECK_CODE, "redirect_uri": redirect_uri}
    try:
        provider.token_request(provider.client(), data)
    except Unavailable as error:
        return None, error.message
    except Refused as error:
        if error.status is None:  # no answer (the outbound gate refused the address)
            return None, error.message
        if keys_rejected(error):
            return False, _(
                "%(platform)s does not accept these keys: %(detail)s Check the App ID and "
                "the secret."
            ) % {"platform": provider.label, "detail": error.message}
    return True, _("%(platform)s knows this app: the keys work.") % {"platform": provider.label}


def _provider(platform: str) -> Provider:
    if platform not in WIZARD_PLATFORMS:
        raise Http404
    return get_provider(platform)


def _context(request: HttpRequest, platform: str, provider: Provider, form) -> dict[str, Any]:
    from .views import callback_uri

    stored = PlatformApp.objects.filter(platform=platform).first()
    in_settings = [
        name for name in ("CLIENT_ID", "CLIENT_SECRET") if platform_settings(platform).get(name)
    ]
    from django.urls import reverse

    title = _("Set up the %(platform)s app") % {"platform": PLATFORM_NAMES[platform]}
    return {
        "page_title": title,
        "header_title": title,
        "header_icon": "key",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("wagtail_crosspost_channels:index"), "label": _("Channels")},
            {"url": "", "label": title},
        ],
        "platform": platform,
        "platform_name": PLATFORM_NAMES[platform],
        "callback_url": callback_uri(request, provider),
        "scopes": provider.get_scopes(),
        "steps": STEPS[platform],
        "form": form,
        "stored": stored,
        "settings_win": bool(in_settings),
        "platforms": [(key, PLATFORM_NAMES[key]) for key in WIZARD_PLATFORMS],
    }


@require_admin_access
@never_cache
@require_http_methods(["GET", "POST"])
def app_wizard(request: HttpRequest, platform: str) -> HttpResponse:
    _allowed(request)
    provider = _provider(platform)
    stored = PlatformApp.objects.filter(platform=platform).first()
    keys: dict[str, Any] = dict(stored.keys) if stored and isinstance(stored.keys, dict) else {}
    form = AppKeysForm(request.POST or None, initial={"client_id": keys.get("CLIENT_ID", "")})
    if request.method == "POST" and form.is_valid():
        keys["CLIENT_ID"] = form.cleaned_data["client_id"].strip()
        if form.cleaned_data["client_secret"]:
            keys["CLIENT_SECRET"] = form.cleaned_data["client_secret"].strip()
        app, _created = PlatformApp.objects.update_or_create(
            platform=platform, defaults={"keys": cast(Any, keys)}
        )
        from .views import callback_uri

        ok, sentence = check_keys(get_provider(platform), callback_uri(request, provider))
        app.checked_at, app.check_ok = timezone.now(), ok
        app.save(update_fields=["checked_at", "check_ok"])
        if ok:
            messages.success(request, sentence)
        else:
            messages.error(request, sentence)
        return redirect(request.path)
    return TemplateResponse(
        request,
        "wagtail_crosspost/auth/app_wizard.html",
        _context(request, platform, provider, form),
    )
