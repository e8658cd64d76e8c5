"""The Graph API adapter base shared by Facebook, Instagram and Threads.

Each platform module says only what differs (host, version, which edges it posts to). This module
holds the adapter base (the versioned base URL, the access token as a request parameter, the
health check of an account node); the error table lives in :mod:`.meta_errors`, the overridable
rule defaults and public media URLs in :mod:`.meta_rules`, and the container → poll → publish
dance of Instagram and Threads in :mod:`.meta_containers`. The names of the first two are
importable from here as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import quote

from wagtail_crosspost.stored_messages import gettext as _

from ..base import (
    Adapter,
    AmbiguousError,
    AuthError,
    ConfigurationError,
    Health,
    PermanentError,
    PlatformRules,
)
from ..http import check_api_base, health_from, response_body
from .errors import (  # noqa: F401 - the public names of this module
    AUTH,
    DEFAULT_QUOTA_DURATION,
    DEFAULT_RATE_LIMIT_WAIT,
    ERROR_CODES,
    ERROR_SUBCODES,
    INVALID,
    QUOTA,
    RATE,
    USAGE_HEADERS,
    MetaHTTPClient,
    already_gone,
    answer_id,
    error_kind,
    meta_error,
    meta_error_fields,
    meta_error_text,
    usage_wait,
)
from .rules import (  # noqa: F401 - the public names of this module
    RULE_OPTIONS,
    api_version_field,
    public_media_url,
    rule_option_fields,
    rules_with_options,
)

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
            # A yes to a write that cannot be read: the post may exist (a repeat could double it).
            write = method.upper() not in ("GET", "HEAD")
            raise (AmbiguousError if write else PermanentError)(
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
        return health_from(
            lambda: describe(self.request("GET", self.node(object_id()), params={"fields": fields}))
        )
