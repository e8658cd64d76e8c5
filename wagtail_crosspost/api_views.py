"""The headless JSON API: read a page's publications, request a crosspost.

Mount it in the site's ``urls.py`` (before Wagtail's catch-all)::

    path("crosspost/api/", include("wagtail_crosspost.api_urls")),

Authentication, either:

- **a token**: ``Authorization: Bearer wagtail_…``, one of Wagtail's own API tokens (Wagtail 8:
  *Settings → Users → API tokens*, or ``manage.py api_tokens``). Only a digest is stored, tokens
  can be revoked, and they act as their user with that user's permissions. No CSRF check: no
  cookie is involved. A request with a bearer token is judged by the token alone.
- **the session** of a logged-in Wagtail user, as a front end on the same domain has it; unsafe
  methods then need Django's CSRF token (``X-CSRFToken`` header), as every session POST does.

Permissions: reading needs edit permission on the page; requesting a crosspost needs that plus
``wagtail_crosspost.crosspost_page``. Every answer is JSON; errors are ``{"error": "sentence"}``
with the fitting status (400, 401, 403, 404, 405).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Page

from .api import CrosspostError, crosspost
from .models import Publication
from .outbox.inputs import page_url

PERMISSION = "wagtail_crosspost.crosspost_page"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class APIError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# -- authentication ------------------------------------------------------------------------------


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _token_user(token: str) -> Any:
    """The active user of a Wagtail API token, or None (unknown, revoked, inactive)."""
    try:
        from wagtail.models import APIToken  # Wagtail 8
    except ImportError:
        raise APIError(
            401, _("Token authentication needs Wagtail 8 (API tokens); log in instead.")
        ) from None
    if not token or not APIToken.validate_token_format(token):
        return None
    api_token = (
        APIToken.objects.select_related("user")
        .filter(key_hash__in=APIToken.candidate_key_hashes(token), revoked_at__isnull=True)
        .first()
    )
    user = api_token.user if api_token else None
    return user if user is not None and user.is_active else None


def _authenticate(request: HttpRequest) -> Any:
    token = _bearer_token(request)
    if token is not None:
        user = _token_user(token)
        if user is None:
            raise APIError(401, _("The API token is not valid (unknown, revoked or malformed)."))
        request.user = user
        return user
    user = request.user
    if not user.is_authenticated:
        raise APIError(
            401,
            _("Log in, or send a Wagtail API token as “Authorization: Bearer <token>”."),
        )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _check_csrf(request)
    return user


def _check_csrf(request: HttpRequest) -> None:
    # The session is a cookie, so a cross-site form could ride on it: enforce CSRF as Django does.
    check = CsrfViewMiddleware(lambda request: JsonResponse({}))
    check.process_request(request)
    rejected = check.process_view(request, lambda request: JsonResponse({}), (), {})
    if rejected is not None:
        raise APIError(
            403,
            _("CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header."),
        )


def api_view(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., JsonResponse]]:
    """Authenticate, allow ``methods`` only, and turn APIError into a JSON answer."""

    def decorator(view: Callable[..., Any]) -> Callable[..., JsonResponse]:
        @csrf_exempt  # token requests need none; session requests are checked in _authenticate
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                if request.method not in methods:
                    response = JsonResponse(
                        {"error": _("Use %(methods)s here.") % {"methods": ", ".join(methods)}},
                        status=405,
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                user = _authenticate(request)
                result = view(request, user, *args, **kwargs)
            except APIError as error:
                response = JsonResponse({"error": error.message}, status=error.status)
                if error.status == 401:
                    response["WWW-Authenticate"] = 'Bearer realm="wagtail-crosspost"'
                return response
            status = 200
            if isinstance(result, tuple):
                result, status = result
            return JsonResponse(result, status=status)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


# -- helpers -------------------------------------------------------------------------------------


def _editable_page(user: Any, page_id: int) -> Any:
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        raise APIError(404, _("There is no page with the id %(id)s.") % {"id": page_id})
    if not page.permissions_for_user(user).can_edit():
        raise APIError(403, _("You may not edit this page, so you cannot see its posts."))
    return page.specific


def publication_json(row: Publication) -> dict[str, Any]:
    return {
        "id": row.pk,
        "channel": {
            "id": row.channel_id,
            "name": row.channel.name,
            "platform": row.channel.platform,
        },
        "action": row.action,
        "status": row.status,
        "status_label": str(row.get_status_display()),
        "remote_id": row.remote_id,
        "url": row.web_url,
        "text": row.sent_text,
        "error": row.error,
        "dry_run": row.dry_run,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def _page_json(page: Any) -> dict[str, Any]:
    return {"id": page.pk, "title": page.title, "live": page.live, "url": page_url(page)}


def _limit(request: HttpRequest) -> int:
    value = request.GET.get("limit") or DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise APIError(400, _("“limit” must be a whole number.")) from None
    return max(1, min(limit, MAX_LIMIT))


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise APIError(400, _("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise APIError(400, _("The request body must be a JSON object.")) from None
    return data


def _channels(data: dict[str, Any]) -> list[Any] | None:
    channels = data.get("channels")
    if channels is None:
        return None
    if not isinstance(channels, list) or not channels:
        raise APIError(
            400, _("“channels” must be a non-empty list of channel ids or names, or left out.")
        )
    if not all(isinstance(c, int | str) and not isinstance(c, bool) for c in channels):
        raise APIError(400, _("Each channel must be given by its id (a number) or its name."))
    return channels


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise APIError(400, _("“%(name)s” must be true or false.") % {"name": name})
    return value


# -- views ---------------------------------------------------------------------------------------


@api_view("GET")
def page_publications(request: HttpRequest, user: Any, page_id: int) -> dict[str, Any]:
    """The page's publications, newest first: ``?limit=`` (default 50, at most 200)."""
    page = _editable_page(user, page_id)
    rows = list(Publication.objects.filter(page=page).select_related("channel")[: _limit(request)])
    return {
        "page": _page_json(page),
        "publications": [publication_json(row) for row in rows],
        "pending": any(row.status in ("pending", "sending") for row in rows),
    }


@api_view("POST")
def page_crosspost(request: HttpRequest, user: Any, page_id: int) -> tuple[dict[str, Any], int]:
    """Queue posts of the live page. Body (JSON, all optional): ``channels`` (ids or names;
    default: the channels ticked in the live revision), ``message``, ``repost``, ``dry_run``."""
    page = _editable_page(user, page_id)
    if not user.has_perm(PERMISSION):
        raise APIError(403, _("You may not choose channels to post pages to."))
    data = _body(request)
    message = data.get("message", "")
    if not isinstance(message, str):
        raise APIError(400, _("“message” must be a string."))
    try:
        rows = crosspost(
            page,
            _channels(data),
            message=message,
            user=user,
            repost=_flag(data, "repost"),
            dry_run=_flag(data, "dry_run"),
        )
    except CrosspostError as error:
        raise APIError(400, str(error)) from None
    body: dict[str, Any] = {
        "page": _page_json(page),
        "publications": [publication_json(row) for row in rows],
    }
    if not rows:
        body["detail"] = _(
            "Nothing was queued: the page was already posted to these channels. "
            "Send “repost”: true to post it again."
        )
    return body, 202 if rows else 200
