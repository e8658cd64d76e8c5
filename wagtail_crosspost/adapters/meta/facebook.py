"""Facebook Pages (Graph API), platforms.md §5.

Options: ``page_id``; ``api_version`` (default ``MetaAdapter.default_api_version``); overrides
for the unverified defaults (``text_limit``, ``image_max_bytes``). Credentials:
``page_access_token`` (a Page access token with ``pages_manage_posts``; ``GET /me/accounts``
lists them).

A post with an image becomes a photo post (``POST /{page-id}/photos``, the image uploaded as
``source``, or fetched by Facebook from ``url`` when only a URL is known); otherwise a link post
(``POST /{page-id}/feed`` with ``message`` and ``link``), whose preview Facebook builds from the
page's OpenGraph tags. The Graph API has no idempotency key, so a lost answer is ambiguous.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import AmbiguousError, Health, ImageRules, PermanentError, PlatformRules, Post, Receipt
from ..http import unless_gone
from .graph import (
    MetaAdapter,
    already_gone,
    answer_id,
    api_version_field,
    public_media_url,
    rule_option_fields,
)
from .metrics import FacebookMetrics

# platforms.md §5 and the summary table. The text limit (63,206) and the image limits (integrators:
# 10 MB) are unverified officially: channel options may override them. One image per post: a
# multi-photo post needs unpublished uploads plus attached_media, which we do not do yet.
FACEBOOK_RULES = PlatformRules(
    iri_links=False,  # platforms.md 5: link preview unverified; `link` is sent as URI
    text_limit=63_206,
    counting="utf16",
    image=ImageRules(
        formats=("JPEG", "PNG"),
        max_bytes=10_000_000,
        max_images=1,
        alt_text_limit=None,  # alt text via API: unverified
    ),
)

FACEBOOK_POST_URL = "https://www.facebook.com/{post_id}"


class FacebookAdapter(FacebookMetrics, MetaAdapter):
    key = "facebook"
    label = gettext_lazy("Facebook Page")
    rules = FACEBOOK_RULES
    supports = frozenset({"update", "delete"})
    idempotent = False
    token_field = "page_access_token"  # noqa: S105 - a field name
    credential_fields = ("page_access_token",)
    rule_options = ("text_limit", "image_max_bytes")
    option_fields = ("page_id", "api_version", *rule_options)
    form_fields = {
        "page_id": lambda: forms.CharField(
            label=gettext_lazy("Page id"),
            help_text=gettext_lazy(
                "The numeric id of the Facebook Page (GET /me/accounts lists your Pages)."
            ),
        ),
        "api_version": api_version_field(MetaAdapter.default_api_version),
        "page_access_token": lambda: forms.CharField(
            label=gettext_lazy("Page access token"),
            help_text=gettext_lazy("A Page access token with the pages_manage_posts permission."),
        ),
        **rule_option_fields(FACEBOOK_RULES, rule_options),
    }

    @property
    def page_id(self) -> str:
        return self.required_option("page_id", _("Facebook Page id"))

    def publish(self, post: Post) -> Receipt:
        page = self.node(self.page_id)
        if post.media:
            return self._publish_photo(page, post)
        if not post.text and not post.link:
            raise PermanentError(_("The post has neither text nor a link."))
        data = {"message": post.text}
        if post.link:
            data["link"] = post.link
        answer = self.request("POST", page + "/feed", data=data)  # not idempotent
        post_id = answer_id(answer, self.label, _("post"), error=AmbiguousError)
        return self._receipt(post_id, answer)

    def _publish_photo(self, page: str, post: Post) -> Receipt:
        media = post.media[0]
        data = {"caption": post.text}
        files = None
        if media.content:
            files = {"source": (media.filename, media.content, media.mime_type)}
        else:  # only a URL: Facebook fetches the image itself
            data["url"] = public_media_url(media, str(self.label))
        answer = self.request("POST", page + "/photos", data=data, files=files)
        # The photo answer carries the photo's id and the id of the post that shows it.
        post_id = str(answer.get("post_id") or "") or answer_id(
            answer, self.label, _("photo"), error=AmbiguousError
        )
        return self._receipt(post_id, answer)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        # The same message sent twice gives the same post: safe to repeat.
        answer = self.request(
            "POST", self.node(receipt.remote_id), data={"message": post.text}, idempotent=True
        )
        if answer.get("success") is False:
            raise PermanentError(_("Facebook did not update the post."), raw={"body": dict(answer)})
        return Receipt(
            remote_id=receipt.remote_id,
            url=receipt.url or FACEBOOK_POST_URL.format(post_id=receipt.remote_id),
            raw={**receipt.raw, "updated": True},
        )

    def delete(self, receipt: Receipt) -> None:
        unless_gone(lambda: self.request("DELETE", self.node(receipt.remote_id)), already_gone)

    def check(self) -> Health:
        return self.check_node(
            lambda: self.page_id, "name", lambda page: str(page.get("name") or "")
        )

    def _receipt(self, post_id: str, answer: dict[str, Any]) -> Receipt:
        raw: dict[str, Any] = {k: answer[k] for k in ("id", "post_id") if k in answer}
        return Receipt(remote_id=post_id, url=FACEBOOK_POST_URL.format(post_id=post_id), raw=raw)
