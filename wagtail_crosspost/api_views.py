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

Built on Django REST framework (a dependency of Wagtail): ``CrosspostAPIView`` fixes its
authentication, permission, renderer and exception handling, so a site's ``REST_FRAMEWORK``
settings do not change these answers, and ``rest_framework`` need not be in ``INSTALLED_APPS``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import Page

from .api import CrosspostError, crosspost, resolve_channels
from .history import publication_status_json
from .models import Channel, Publication
from .outbox.inputs import page_url
from .permissions import user_can_crosspost
from .review.rights import ChannelRight, channel_ids_with
from .validation import MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, InvalidInput, clean_id, clean_text

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
REALM = 'Bearer realm="wagtail-crosspost"'


class BadRequest(exceptions.APIException):
    status_code = 400


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
        raise exceptions.AuthenticationFailed(
            _("Token authentication needs Wagtail 8 (API tokens); log in instead.")
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


class WagtailAPITokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer wagtail_…``: one of Wagtail's own API tokens. A request that sends
    a bearer token is judged by the token alone, whatever session cookie it also carries."""

    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        token = _bearer_token(request)
        if token is None:
            return None  # no token: the session decides
        user = _token_user(token)
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("The API token is not valid (unknown, revoked or malformed).")
            )
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return REALM


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()  # never called: the CSRF check only decides


class CsrfSessionAuthentication(SessionAuthentication):
    """The logged-in Wagtail user; unsafe methods need Django's CSRF token, as every session
    POST does (the session is a cookie, so a cross-site form could ride on it)."""

    def enforce_csrf(self, request: Request) -> None:
        # The plain HttpRequest: the check must not make REST framework parse the body.
        django_request = request._request
        check = CsrfViewMiddleware(_no_response)
        check.process_request(django_request)
        if check.process_view(django_request, _no_response, (), {}) is not None:
            raise exceptions.PermissionDenied(
                _("CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header.")
            )


# -- permissions ---------------------------------------------------------------------------------


class CanEditPage(BasePermission):
    message = gettext_lazy("You may not edit this page, so you cannot see its posts.")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return bool(obj.permissions_for_user(request.user).can_edit())


class CanCrosspost(BasePermission):
    message = gettext_lazy("You may not choose channels to post pages to.")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return user_can_crosspost(request.user)


# -- the view base -------------------------------------------------------------------------------


class JSONOnly(BaseContentNegotiation):
    """Always JSON, whatever the client's ``Accept`` header says."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return None  # the views read the body themselves

    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type


def json_errors(exc: Exception, context: dict[str, Any]) -> Response | None:
    """``{"error": "sentence"}`` with the exception's status; anything else is a real 500."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    view = context.get("view")
    if isinstance(exc, exceptions.MethodNotAllowed) and view is not None:
        message = _("Use %(methods)s here.") % {"methods": ", ".join(view.allowed_methods)}
    else:
        message = str(exc.detail)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    return Response({"error": message}, status=exc.status_code, headers=headers)


class CrosspostAPIView(APIView):
    """Everything fixed here, none of it read from the site's ``REST_FRAMEWORK`` settings."""

    authentication_classes = [WagtailAPITokenAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsAuthenticated]
    object_permission_classes: list[type[BasePermission]] = [CanEditPage]
    renderer_classes = [JSONRenderer]
    parser_classes: list[Any] = []
    content_negotiation_class = JSONOnly
    throttle_classes: list[Any] = []

    def get_exception_handler(self) -> Any:
        return json_errors

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A wrong method is answered before authentication, as it always was.
        if request.method.lower() not in self.http_method_names:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(
                _("Log in, or send a Wagtail API token as “Authorization: Bearer <token>”.")
            )
        raise exceptions.PermissionDenied(message)

    def get_permissions(self) -> list[BasePermission]:
        return [permission() for permission in self.permission_classes]

    def get_page(self, page_id: str) -> Any:
        """The page, after the object permissions (404 before 403, as before)."""
        pk = _valid(clean_id, page_id, Page, "page id")
        page = Page.objects.filter(pk=pk).first()
        if page is None:
            raise exceptions.NotFound(_("There is no page with the id %(id)s.") % {"id": pk})
        for permission in self.object_permission_classes:
            if not permission().has_object_permission(self.request, self, page):
                self.permission_denied(self.request, message=str(permission.message))
        return page.specific


def _valid(check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except InvalidInput as error:
        raise BadRequest(str(error)) from None


# -- helpers -------------------------------------------------------------------------------------


def publication_json(row: Publication) -> dict[str, Any]:
    return {
        **publication_status_json(row),
        "channel": {
            "id": row.channel_id,
            "name": row.channel.name,
            "platform": row.channel.platform,
        },
        "remote_id": row.remote_id,
        "text": row.sent_text,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "created_at": row.created_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }


def _page_json(page: Any) -> dict[str, Any]:
    return {"id": page.pk, "title": page.title, "live": page.live, "url": page_url(page)}


def _limit(request: Request) -> int:
    value = request.query_params.get("limit") or DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise BadRequest(_("“limit” must be a whole number.")) from None
    return max(1, min(limit, MAX_LIMIT))


def _body(request: Request) -> dict[str, Any]:
    try:
        raw = request._request.body
    except (RequestDataTooBig, RawPostDataException):
        raise BadRequest(_("The request body is too large.")) from None
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest(_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return data


def _channels(data: dict[str, Any]) -> list[Any] | None:
    channels = data.get("channels")
    if channels is None:
        return None
    if not isinstance(channels, list) or not channels:
        raise BadRequest(
            _("“channels” must be a non-empty list of channel ids or names, or left out.")
        )
    if not all(isinstance(c, int | str) and not isinstance(c, bool) for c in channels):
        raise BadRequest(_("Each channel must be given by its id (a number) or its name."))
    cleaned: list[Any] = []
    for value in channels:
        if isinstance(value, int) or (value.isascii() and value.isdigit()):
            cleaned.append(_valid(clean_id, value, Channel, "channels"))
        else:
            cleaned.append(_valid(clean_text, value, "channels", MAX_NAME_LENGTH))
    return cleaned


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise BadRequest(_("“%(name)s” must be true or false.") % {"name": name})
    return value


# -- views ---------------------------------------------------------------------------------------


class PagePublications(CrosspostAPIView):
    """The page's publications, newest first: ``?limit=`` (default 50, at most 200)."""

    http_method_names = ["get"]

    def get(self, request: Request, page_id: str) -> Response:
        page = self.get_page(page_id)
        limit = _limit(request)
        rows = list(Publication.objects.filter(page=page).select_related("channel")[:limit])
        return Response(
            {
                "page": _page_json(page),
                "publications": [publication_json(row) for row in rows],
                "pending": any(row.in_flight for row in rows),
            }
        )


class PageCrosspost(CrosspostAPIView):
    """Queue posts of the live page. Body (JSON, all optional): ``channels`` (ids or names;
    default: the channels ticked in the live revision), ``message``, ``repost``, ``dry_run``."""

    http_method_names = ["post"]
    object_permission_classes = [CanEditPage, CanCrosspost]

    def post(self, request: Request, page_id: str) -> Response:
        page = self.get_page(page_id)
        data = _body(request)
        message = _valid(clean_text, data.get("message", ""), "message", MAX_MESSAGE_LENGTH)
        channels = self.allowed_channels(_channels(data))
        try:
            rows = crosspost(
                page,
                channels,
                message=message,
                user=request.user,
                repost=_flag(data, "repost"),
                dry_run=_flag(data, "dry_run"),
            )
        except CrosspostError as error:
            raise BadRequest(str(error)) from None
        body: dict[str, Any] = {
            "page": _page_json(page),
            "publications": [publication_json(row) for row in rows],
        }
        if not rows:
            body["detail"] = _(
                "Nothing was queued: the page was already posted to these channels. "
                "Send “repost”: true to post it again."
            )
        return Response(body, status=202 if rows else 200)

    def allowed_channels(self, values: list[Any] | None) -> list[Any] | None:
        """The named channels, refused (403, nothing planned) if the user may not post to one
        of them. Without names, planning keeps only the ticked channels the user may post to."""
        if values is None:
            return None
        try:
            channels = resolve_channels(values)
        except CrosspostError:
            return values  # crosspost() says what is wrong, in its order (a draft first)
        # The group rule only: a channel of another site is skipped by planning, as before.
        allowed = channel_ids_with(self.request.user, ChannelRight.POST, [c.pk for c in channels])
        refused = [str(v) for v, c in zip(values, channels, strict=True) if c.pk not in allowed]
        if refused:
            raise exceptions.PermissionDenied(
                _("You may not post to the channels %(channels)s.")
                % {"channels": ", ".join(refused)}
            )
        return channels


page_publications = PagePublications.as_view()
page_crosspost = PageCrosspost.as_view()
