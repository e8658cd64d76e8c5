"""A publish whose posts are still to be planned (issue #13: the editor never waits).

With ``PLAN_AFTER_COMMIT`` (the default) the editor's Publish writes one of these rows, in the
publish's own transaction, instead of planning the posts: planning then runs after the commit,
in a thread of the web process or in a worker (``outbox.later``). The row is what makes that
safe: if the process dies before the thread has planned, the row is still there, and the next
sweep (``crosspost_deliver``, or the piggyback sweep after a request) plans it.

A model of the ``wagtail_crosspost`` app: ``wagtail_crosspost/models.py`` imports this module at
its end so that Django registers it (the one declared exception to the layers).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PAGE_MODEL = getattr(settings, "WAGTAIL_PAGE_MODEL", "wagtailcore.Page")


class PendingPlan(models.Model):
    page = models.ForeignKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: Planning failed this often (an error, logged); after ``later.MAX_ATTEMPTS`` it is given up.
    attempts = models.PositiveSmallIntegerField(default=0)
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("publish to plan")
        verbose_name_plural = _("publishes to plan")

    def __str__(self) -> str:
        return f"{self.page_id}@{self.revision_id}"
