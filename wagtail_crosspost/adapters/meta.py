"""The Graph API plumbing shared by Facebook, Instagram and Threads.

Each platform module says only what differs (host, version, which edges it posts to); this module
holds the parts they share: the versioned base URL, the access token as a request parameter,
Meta's error body mapped to the contract's errors (one table, :func:`meta_error`), the
container → poll → publish dance of Instagram and Threads, the publishing-quota check, and the
rule defaults a channel may override where ``shared/reference/platforms.md`` marks them
unverified.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    Adapter,
    AdapterError,
    AuthError,
    ConfigurationError,
    Health,
    Media,
    PermanentError,
    PlatformRules,
    TransientError,
)
from .http import (
    HTTPClient,
    check_api_base,
    check_public_url,
    parse_retry_after,
    response_body,
    trim,
)

logger = logging.getLogger(__name__)


# -- Meta's error body → the contract's errors ---------------------------------------------------

AUTH = "auth"  # the token is invalid or expired: reconnect
RATE = "rate"  # a call-rate limit: wait as long as the usage headers say
QUOTA = "quota"  # a publishing quota (posts per rolling 24 h): wait for the window
INVALID = "invalid"  # Meta refused the request itself: retrying cannot help

#: Graph API error ``code`` → kind. platforms.md §5 "Rate limits and errors": 190 = invalid or
#: expired token; 4, 17, 32, 613, 80000–80009 and 80014 = rate limits. 102 (API session), 463
#: and 467 (expired / invalid token, also sent as subcodes) → reconnect; 100 (invalid parameter)
#: and the 200–299 permission range → refused with Meta's own words.
ERROR_CODES: dict[int, str] = {
    190: AUTH,
    102: AUTH,
    463: AUTH,
    467: AUTH,
    4: RATE,
    17: RATE,
    32: RATE,
    613: RATE,
    **{code: RATE for code in range(80000, 80010)},
    80014: RATE,
    100: INVALID,
    **{code: INVALID for code in range(200, 300)},
}

#: ``error_subcode`` → kind; a subcode decides before its code. platforms.md §6 "Typical errors":
#: 2207042 = Instagram's daily publishing limit reached; 463/467 = expired / invalid session.
ERROR_SUBCODES: dict[int, str] = {
    463: AUTH,
    467: AUTH,
    2207042: QUOTA,
}

#: Our own choice, not a platform number: the wait when a rate limit comes without a usage hint.
DEFAULT_RATE_LIMIT_WAIT = 600.0
#: platforms.md §6/§7 "Rate limit": publishing quotas are per rolling 24 h (``quota_duration``).
DEFAULT_QUOTA_DURATION = 86_400

USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage")


def meta_error_fields(body: Any) -> dict[str, Any]:
    """The ``error`` object of a Graph API answer (``{}`` when the body is not one)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return {}


def meta_error_text(body: Any) -> str:
    """Meta's message, with the user-facing explanation when Meta gives one."""
    error = meta_error_fields(body)
    message = str(error.get("message") or "")
    user_message = str(error.get("error_user_msg") or "")
    if user_message and user_message not in message:
        message = f"{message} – {user_message}" if message else user_message
    if message:
        return message
    if isinstance(body, dict):  # the token endpoints answer OAuth-style errors
        return str(body.get("error_description") or body.get("error") or "")
    return body[:300] if isinstance(body, str) else ""


def usage_wait(headers: Any) -> float | None:
    """Seconds until access returns, from the usage headers (platforms.md §5: minutes).

    ``X-Business-Use-Case-Usage`` maps business ids to lists of usage entries; ``X-App-Usage`` is
    one entry. The longest ``estimated_time_to_regain_access`` wins.
    """
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        value = headers.get(name) if headers is not None else None
        if not value:
            continue
        try:
            usage = json.loads(value)
        except ValueError:
            continue
        for entry in _usage_entries(usage):
            try:
                minutes.append(float(entry.get("estimated_time_to_regain_access") or 0))
            except (TypeError, ValueError):
                continue
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None


def _usage_entries(usage: Any) -> list[dict[str, Any]]:
    if isinstance(usage, list):
        return [entry for item in usage for entry in _usage_entries(item)]
    if not isinstance(usage, dict):
        return []
    if "estimated_time_to_regain_access" in usage or "call_count" in usage:
        return [usage]
    return [entry for item in usage.values() for entry in _usage_entries(item)]


def error_kind(body: Any) -> str | None:
    """The kind of a Graph API error from its subcode, then its code; None: decide by status."""
    error = meta_error_fields(body)
    for key, table in (("error_subcode", ERROR_SUBCODES), ("code", ERROR_CODES)):
        try:
            kind = table.get(int(error.get(key) or 0))
        except (TypeError, ValueError):
            kind = None
        if kind:
            return kind
    return None


def meta_error(
    status: int,
    body: Any,
    headers: Any,
    *,
    platform: str,
    scrub: Callable[[str], str] = str,
    scrub_raw: Callable[[Any], Any] = trim,
) -> AdapterError:
    """The contract error for a Graph API (or Threads API) error answer.

    One function with one table, so Facebook, Instagram and Threads map alike. ``scrub`` and
    ``scrub_raw`` remove secrets from the message and the raw answer.
    """
    detail = scrub(meta_error_text(body) or f"HTTP {status}")
    raw = {"status": status, "body": scrub_raw(body)}
    params = {"platform": platform, "status": status, "detail": detail}
    kind = error_kind(body)
    if kind == AUTH or (kind is None and status == 401):
        return AuthError(
            _(
                "%(platform)s refused the channel's access token (%(detail)s). "
                "Reconnect the channel in Settings → Social channels."
            )
            % params,
            raw=raw,
            status_code=status,
        )
    if kind == QUOTA:
        return TransientError(
            _(
                "%(platform)s's publishing limit for this account is reached (%(detail)s). "
                "It will be tried again when the 24-hour window frees up."
            )
            % params,
            retry_after=DEFAULT_QUOTA_DURATION,
            raw=raw,
            status_code=status,
        )
    if kind == RATE or (kind is None and status == 429):
        wait = usage_wait(headers) or parse_retry_after(headers) or DEFAULT_RATE_LIMIT_WAIT
        return TransientError(
            _("%(platform)s asks us to slow down (%(detail)s). It will be tried again.") % params,
            retry_after=wait,
            raw=raw,
            status_code=status,
        )
    if meta_error_fields(body).get("is_transient") is True or status >= 500:
        return TransientError(
            _("%(platform)s had a temporary problem (%(detail)s). It will be tried again.")
            % params,
            retry_after=usage_wait(headers) or parse_retry_after(headers),
            raw=raw,
            status_code=status,
        )
    return PermanentError(
        _("%(platform)s refused the request: %(detail)s") % params,
        raw=raw,
        status_code=status,
    )


class MetaHTTPClient(HTTPClient):
    """HTTPClient whose error answers are read as Graph API error bodies."""

    def __init__(self, platform_label: str, **kwargs: Any):
        kwargs.setdefault("error_text", meta_error_text)
        super().__init__(platform_label, **kwargs)

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def raise_for_status(self, response: Any) -> None:
        raise meta_error(
            response.status_code,
            response_body(response),
            response.headers,
            platform=self.platform,
            scrub=self._scrub,
            scrub_raw=self._scrub_raw,
        )


# -- rule defaults a channel may override --------------------------------------------------------

#: Channel option → (PlatformRules field, or ``image.<ImageRules field>``; type; form label).
#: Adapters list in ``rule_options`` the ones whose default platforms.md marks unverified.
RULE_OPTIONS: dict[str, tuple[str, type, Any]] = {
    "text_limit": ("text_limit", int, gettext_lazy("Text limit (characters)")),
    "max_hashtags": ("max_hashtags", int, gettext_lazy("Most hashtags per post")),
    "max_links": ("max_links", int, gettext_lazy("Most links per post")),
    "image_max_bytes": ("image.max_bytes", int, gettext_lazy("Largest image (bytes)")),
    "image_min_width": ("image.min_width", int, gettext_lazy("Narrowest image (pixels)")),
    "image_max_width": ("image.max_width", int, gettext_lazy("Widest image (pixels)")),
    "image_min_aspect": (
        "image.min_aspect",
        float,
        gettext_lazy("Smallest aspect ratio (width / height)"),
    ),
    "image_max_aspect": (
        "image.max_aspect",
        float,
        gettext_lazy("Largest aspect ratio (width / height)"),
    ),
    "alt_text_limit": ("image.alt_text_limit", int, gettext_lazy("Alt text limit (characters)")),
}


def rules_with_options(
    rules: PlatformRules, options: Mapping[str, Any], names: tuple[str, ...]
) -> PlatformRules:
    """``rules`` with the channel's overrides for ``names``; empty or bad values keep defaults."""
    top: dict[str, Any] = {}
    image: dict[str, Any] = {}
    for name in names:
        target, kind, _label = RULE_OPTIONS[name]
        value = options.get(name)
        if value in (None, ""):
            continue
        try:
            number = kind(value)
        except (TypeError, ValueError):
            logger.warning("Ignoring the channel option %s=%r: not a number.", name, value)
            continue
        if number <= 0:
            continue
        if target.startswith("image."):
            image[target[6:]] = number
        else:
            top[target] = number
    if image:
        top["image"] = dataclasses.replace(rules.image, **image)
    return dataclasses.replace(rules, **top) if top else rules


def rule_option_fields(rules: PlatformRules, names: tuple[str, ...]) -> dict[str, Any]:
    """Form field factories for the overridable rules, showing each default as help text."""
    fields: dict[str, Any] = {}
    for name in names:
        target, kind, label = RULE_OPTIONS[name]
        holder: Any = rules.image if target.startswith("image.") else rules
        default = getattr(holder, target.split(".")[-1])
        field_class = forms.FloatField if kind is float else forms.IntegerField
        fields[name] = partial(
            field_class,
            label=label,
            required=False,
            min_value=0,
            help_text=_default_help(default),
        )
    return fields


def _default_help_text(default: Any) -> str:
    return _("Leave empty for the default (%(default)s), which no official source confirms.") % {
        "default": default
    }


_default_help = lazy(_default_help_text, str)  # translated when the form renders


def api_version_field(default: str) -> Callable[[], forms.Field]:
    """Form field factory for the ``api_version`` option."""
    return partial(
        forms.CharField,
        label=gettext_lazy("API version"),
        required=False,
        help_text=_version_help(default),
    )


def _version_help_text(default: str) -> str:
    return _("Leave empty for %(default)s.") % {"default": default}


_version_help = lazy(_version_help_text, str)


# -- public media URLs ---------------------------------------------------------------------------


def public_media_url(media: Media, platform: str) -> str:
    """The absolute public URL the platform fetches ``media`` from, or a PermanentError.

    platforms.md "Cross-platform notes / Media hosting": Instagram and Threads fetch media from a
    public URL, so a relative or private rendition URL can never work.
    """
    url = str(media.url or "").strip()
    parts = urlsplit(url)
    problem = parts.scheme.lower() not in ("http", "https") or not parts.hostname
    if not problem:
        try:
            check_public_url(url)
        except ConfigurationError:
            problem = True
    if problem:
        raise PermanentError(
            _(
                "%(platform)s fetches the image from your website, but its address “%(url)s” is "
                "not a public web address. Set WAGTAILADMIN_BASE_URL, the hostname of the Site "
                "(Settings → Sites) or WAGTAILCROSSPOST_BASE_URL to the site's public address "
                "(https://…)."
            )
            % {"platform": platform, "url": url or _("(none)")}
        )
    return url


# -- the adapter base ----------------------------------------------------------------------------


class MetaAdapter(Adapter):
    """A Graph API adapter: the host and version come from the class, overridable per channel.

    Options ``graph_url`` and ``api_version`` replace ``default_graph_url`` and
    ``default_api_version`` (a new Graph API version, or ``graph.instagram.com`` for accounts
    connected with Instagram Login). ``rule_options`` names the overridable rule defaults.
    """

    default_graph_url: ClassVar[str] = "https://graph.facebook.com"
    # platforms.md §5: pin a Graph API version in the URL (Postiz v20.0; docs show up to v25/v26).
    default_api_version: ClassVar[str] = "v25.0"
    #: The credential holding the access token.
    token_field: ClassVar[str] = "access_token"  # noqa: S105 - a field name
    rule_options: ClassVar[tuple[str, ...]] = ()

    #: Waits between container status polls (Instagram, Threads): about a minute in all, so a
    #: worker is not held for long; a container still in progress is retried later.
    container_poll_delays: ClassVar[tuple[float, ...]] = (1, 1, 2, 2, 3, 5, 5, 10, 10, 20)
    #: Replaceable in tests (``adapter.sleep = lambda seconds: None``).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, channel: Any):
        super().__init__(channel)
        self.access_token = str(self.credentials.get(self.token_field) or "")
        self.http = MetaHTTPClient(str(self.label), secrets=[self.access_token])
        self._checked_base: tuple[str, str] | None = None  # (option, checked URL)

    # -- options -----------------------------------------------------------------------------

    def option(self, name: str, default: str = "") -> str:
        return str(self.options.get(name) or "").strip() or default

    def required_option(self, name: str, description: str) -> str:
        value = self.option(name)
        if not value:
            raise ConfigurationError(
                _("The channel “%(name)s” has no %(what)s. Edit the channel and enter it.")
                % {"name": self.channel.name, "what": description}
            )
        return value

    @property
    def graph_url(self) -> str:
        """The API host; a channel's own host is checked (once) to be a public https address."""
        value = self.option("graph_url")
        if self._checked_base is None or self._checked_base[0] != value:
            self._checked_base = (value, check_api_base(value, self.default_graph_url))
        return self._checked_base[1]

    @property
    def api_version(self) -> str:
        return self.option("api_version", self.default_api_version).strip("/")

    def url(self, path: str, *, versioned: bool = True) -> str:
        prefix = f"{self.graph_url}/{self.api_version}" if versioned else self.graph_url
        return prefix + path

    @staticmethod
    def node(object_id: str) -> str:
        return "/" + quote(str(object_id), safe="")

    def rules_for_channel(self) -> PlatformRules:
        return rules_with_options(self.rules, self.options, self.rule_options)

    def cached_rules(self) -> PlatformRules:  # no network call: the options are all we need
        return self.rules_for_channel()

    # -- HTTP --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        idempotent: bool = False,
        versioned: bool = True,
    ) -> dict[str, Any]:
        """Call the API with the access token; return the JSON answer.

        The token goes in the form body of a POST (kept out of URLs and server logs) and in the
        query string otherwise, as the Graph API documents the ``access_token`` parameter.
        """
        if not self.access_token:
            raise AuthError(
                _("The channel “%(name)s” has no access token. Reconnect it.")
                % {"name": self.channel.name}
            )
        params = dict(params or {})
        if method.upper() == "POST":
            data = {**(data or {}), "access_token": self.access_token}
        else:
            params["access_token"] = self.access_token
        response = self.http.request(
            method,
            self.url(path, versioned=versioned),
            params=params,
            data=data,
            files=files,
            idempotent=idempotent,
        )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PermanentError(
                _("%(platform)s answered something unexpected (not a JSON object).")
                % {"platform": self.label},
                raw=self.http._scrub_raw(response_body(response)),
                status_code=response.status_code,
            )
        return answer

    def check_node(
        self, object_id: Callable[[], str], fields: str, describe: Callable[[dict], str]
    ) -> Health:
        """``check()`` for an account node: read ``fields`` and describe the account."""
        try:
            answer = self.request("GET", self.node(object_id()), params={"fields": fields})
        except AuthError as error:
            return Health(ok=False, detail=error.message, needs_reconnect=True)
        except AdapterError as error:
            return Health(ok=False, detail=error.message)
        return Health(ok=True, detail=describe(answer))

    # -- containers (Instagram, Threads) -----------------------------------------------------

    #: The container's status field and the field with the reason for an ERROR.
    status_field: ClassVar[str] = "status_code"
    status_reason_field: ClassVar[str] = "status"
    #: The edge that tells the publishing quota (``…/content_publishing_limit``).
    publishing_limit_edge: ClassVar[str] = ""

    def check_publishing_quota(self, account_id: str) -> None:
        """Raise TransientError while the account's rolling-24-hour quota is used up.

        Waits the whole window: we cannot see when the oldest post in it ages out, and each
        retry counts as an attempt. A quota that cannot be read (a missing permission, an
        unsupported edge) does not block the post: the publish call enforces the quota itself.
        """
        try:
            answer = self.request(
                "GET",
                self.node(account_id) + "/" + self.publishing_limit_edge,
                params={"fields": "quota_usage,config"},
            )
        except PermanentError as error:  # rate limits and outages still stop the post
            logger.warning(
                "Could not read the %s publishing quota (%s); publishing anyway.",
                self.label,
                error.message,
            )
            return
        entries = answer.get("data")
        first = entries[0] if isinstance(entries, list) and entries else None
        entry: dict[str, Any] = first if isinstance(first, dict) else {}
        config: dict[str, Any] = entry["config"] if isinstance(entry.get("config"), dict) else {}
        try:
            usage = int(entry.get("quota_usage") or 0)
            total = int(config.get("quota_total") or 0)
        except (TypeError, ValueError):
            return
        try:
            duration = float(config.get("quota_duration") or DEFAULT_QUOTA_DURATION)
        except (TypeError, ValueError):
            duration = DEFAULT_QUOTA_DURATION
        if total and usage >= total:
            raise TransientError(
                _(
                    "This %(platform)s account has used its publishing quota (%(usage)s of "
                    "%(total)s posts in 24 hours). It will be tried again when the window frees up."
                )
                % {"platform": self.label, "usage": usage, "total": total},
                retry_after=duration,
                raw=trim(answer),
            )

    def wait_for_container(self, container_id: str) -> None:
        """Poll the container until it is FINISHED; ERROR/EXPIRED are permanent.

        A container still in progress after ``container_poll_delays`` is transient: the retry
        makes a new container (an unpublished one is never shown and expires after 24 h).
        """
        fields = ",".join(dict.fromkeys((self.status_field, self.status_reason_field)))
        for delay in self.container_poll_delays:
            self.sleep(delay)
            answer = self.request("GET", self.node(container_id), params={"fields": fields})
            status = str(answer.get(self.status_field) or "").upper()
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                reason = self.http._scrub(str(answer.get(self.status_reason_field) or status))
                raise PermanentError(
                    _("%(platform)s could not process the post (%(status)s): %(reason)s")
                    % {"platform": self.label, "status": status, "reason": reason},
                    raw=trim(answer),
                )
        raise TransientError(
            _("%(platform)s is still processing the post. It will be tried again.")
            % {"platform": self.label},
            retry_after=60,
        )

    def permalink(self, media_id: str) -> str:
        """The public link of a published post; "" if it cannot be read.

        Called after publishing, so it must never raise: the post exists either way.
        """
        try:
            answer = self.request("GET", self.node(media_id), params={"fields": "permalink"})
        except AdapterError as error:
            logger.info("Could not read the %s permalink: %s", self.label, error.message)
            return ""
        return str(answer.get("permalink") or "")


def answer_id(
    answer: dict[str, Any],
    platform: Any,
    what: str,
    *,
    key: str = "id",
    error: type[AdapterError] = PermanentError,
) -> str:
    """The id in an answer, or an error (PermanentError by default) naming what was missing."""
    value = str(answer.get(key) or "")
    if not value:
        raise error(
            _("%(platform)s answered without the id of the %(what)s.")
            % {"platform": platform, "what": what},
            raw=trim(answer),
        )
    return value


def already_gone(error: PermanentError) -> bool:
    """Meta answers a delete of a post that no longer exists with code 100 ("Unsupported delete
    request … does not exist"): the post is gone, which is what a delete wants."""
    body = error.raw.get("body") if isinstance(error.raw, dict) else None
    meta = body.get("error") if isinstance(body, dict) else None
    if not isinstance(meta, dict) or meta.get("code") != 100:
        return False
    message = str(meta.get("message", "")).lower()
    return "does not exist" in message or "unsupported delete request" in message
