"""Threads (graph.threads.net), platforms.md §7.

Options: ``user_id`` (the Threads user id; default ``me``, the token's own account);
``api_version`` (default ``v1.0``); overrides for the unverified rule defaults. Credentials:
``access_token`` (``threads_basic``, ``threads_content_publish``; ``threads_delete`` to delete).

Publishing is container → wait until ``FINISHED`` → ``threads_publish``, like Instagram. Long-lived
tokens last 60 days: :meth:`ThreadsAdapter.refresh_token` renews one and returns the new token and
its expiry; saving them is the caller's job (adapters never write rows).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import AmbiguousError, Health, ImageRules, PermanentError, PlatformRules, Post, Receipt
from ..http import unless_gone
from .containers import ContainerAdapter
from .graph import already_gone, answer_id, api_version_field, public_media_url, rule_option_fields
from .metrics import ThreadsMetrics

# platforms.md §7 and the summary table: 500 characters (unit unverified: we count UTF-16, the
# stricter reading), at most 5 links; images JPEG or PNG, 8 MB, aspect up to 10:1, width
# 320–1440 px (integrators, partly verified); alt text max unverified (integrators use 1000).
# Carousels are not done yet: one image per post.
THREADS_RULES = PlatformRules(
    iri_links=False,  # platforms.md 7: link handling and counting unit unverified
    # platforms.md 7: 250 API-published posts per 24 h.
    quota=(250, 24 * 3600),
    text_limit=500,
    counting="utf16",
    max_links=5,
    image=ImageRules(
        formats=("JPEG", "PNG"),
        max_bytes=8_000_000,
        min_width=320,
        max_width=1440,
        min_aspect=1 / 10,
        max_aspect=10.0,
        max_images=1,
        alt_text_limit=1000,
        needs_public_url=True,
    ),
)


class ThreadsAdapter(ThreadsMetrics, ContainerAdapter):
    key = "threads"
    label = gettext_lazy("Threads")
    rules = THREADS_RULES
    supports = frozenset({"delete", "alt_text"})
    idempotent = False
    default_graph_url = "https://graph.threads.net"
    default_api_version = "v1.0"  # platforms.md §7 endpoints
    credential_fields = ("access_token",)
    rule_options = ("image_max_bytes", "image_min_aspect", "image_max_aspect", "alt_text_limit")
    option_fields = ("user_id", "api_version", *rule_options)
    form_fields = {
        "user_id": lambda: forms.CharField(
            label=gettext_lazy("Threads user id"),
            required=False,
            help_text=gettext_lazy("Leave empty for the account the access token belongs to."),
        ),
        "api_version": api_version_field("v1.0"),
        "access_token": lambda: forms.CharField(
            label=gettext_lazy("Long-lived access token"),
            help_text=gettext_lazy(
                "With the threads_basic and threads_content_publish permissions "
                "(threads_delete to delete posts). It lasts 60 days unless it is renewed."
            ),
        ),
        **rule_option_fields(THREADS_RULES, rule_options),
    }

    status_field = "status"  # IN_PROGRESS, FINISHED, PUBLISHED, ERROR, EXPIRED
    status_reason_field = "error_message"
    publishing_limit_edge = "threads_publishing_limit"  # platforms.md §7 "Rate limits"

    @property
    def user_id(self) -> str:
        return self.option("user_id", "me")

    def publish(self, post: Post) -> Receipt:
        user = self.node(self.user_id)
        data = {"media_type": "TEXT", "text": post.text}
        if post.media:
            media = post.media[0]
            data.update(media_type="IMAGE", image_url=public_media_url(media, str(self.label)))
            if media.alt_text:  # alt_text belongs to image and video containers only
                data["alt_text"] = media.alt_text
        elif not post.text:
            raise PermanentError(_("A Threads post needs text or an image."))
        self.check_publishing_quota(self.user_id)
        # A repeated container is never shown (unpublished ones expire): safe to repeat.
        container = self.request("POST", user + "/threads", data=data, idempotent=True)
        container_id = answer_id(container, self.label, _("media container"))
        # Meta suggests waiting ~30 s before publishing (platforms.md §7); the container's
        # status says when it is ready, so we poll it instead of always waiting.
        self.wait_for_container(container_id)
        published = self.request(  # not idempotent: a lost answer may mean a live post
            "POST", user + "/threads_publish", data={"creation_id": container_id}
        )
        media_id = answer_id(published, self.label, _("post"), error=AmbiguousError)
        return Receipt(
            remote_id=media_id,
            url=self.permalink(media_id),
            raw={"id": media_id, "container_id": container_id},
        )

    def delete(self, receipt: Receipt) -> None:
        # platforms.md §7: DELETE /{threads-media-id} → {"success": true}; 100 per day.
        answer = unless_gone(
            lambda: self.request("DELETE", self.node(receipt.remote_id)), already_gone
        )
        if answer is not None and answer.get("success") is False:
            raise PermanentError(_("Threads did not delete the post."), raw={"body": answer})

    def check(self) -> Health:
        return self.check_node(
            lambda: self.user_id, "username", lambda user: f"@{user.get('username') or ''}"
        )
