"""Container publishing, shared by Instagram and Threads (platforms.md §6, §7): a media container
is created, polled until ``FINISHED``, then published; the rolling-24-hour publishing quota is read
first and the permalink after. Facebook posts directly and does not use this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

from wagtail_crosspost.stored_messages import gettext as _

from ..base import AdapterError, PermanentError, TransientError
from ..http import trim
from .errors import DEFAULT_QUOTA_DURATION
from .graph import MetaAdapter

logger = logging.getLogger(__name__)


class ContainerAdapter(MetaAdapter):
    """A Graph API adapter that publishes through media containers (Instagram, Threads)."""

    #: Waits between container status polls: about a minute in all, so a worker is not held
    #: for long; a container still in progress is retried later.
    container_poll_delays: ClassVar[tuple[float, ...]] = (1, 1, 2, 2, 3, 5, 5, 10, 10, 20)
    #: Replaceable in tests (``adapter.sleep = lambda seconds: None``).
    sleep: Callable[[float], None] = staticmethod(time.sleep)

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
