"""Instagram professional accounts (Graph API content publishing), platforms.md §6.

Options: ``ig_user_id``; ``graph_url`` (default ``https://graph.facebook.com`` for accounts
linked to a Facebook Page; ``https://graph.instagram.com`` for Instagram Login); ``api_version``;
overrides for the rule defaults that integrators, not Meta, state. Credentials: ``access_token``
(``instagram_content_publish``).

Instagram fetches the image itself, so it must be on a public URL. Publishing is three steps:
create a media container (``POST /{ig-user-id}/media``), wait until it is ``FINISHED``, publish it
(``POST /{ig-user-id}/media_publish``). The publishing quota is read first. Posts can be neither
edited nor deleted through the API.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import AmbiguousError, Health, ImageRules, PermanentError, PlatformRules, Post, Receipt
from .containers import ContainerAdapter
from .graph import MetaAdapter, answer_id, api_version_field, public_media_url, rule_option_fields
from .metrics import InstagramMetrics

# platforms.md §6 and the summary table: caption 2200, 30 hashtags (partly verified); links are
# not clickable (unverified); JPEG only (Meta's guide); 8 MB, aspect 4:5 … 1.91:1, width
# 320–1440 px (integrators + Meta error text, partly verified). Carousels are not done yet: one
# image per post. Alt text via the API: unverified, so none is sent. 8 MB read as 8,000,000 B.
INSTAGRAM_RULES = PlatformRules(
    iri_links=True,  # platforms.md 6: caption links are not clickable, so readable wins
    # platforms.md 6: publishing quota per 24 h, 25 to 100 (read at runtime too).
    quota=(25, 24 * 3600),
    text_limit=2200,
    counting="utf16",
    max_hashtags=30,
    links_clickable=False,
    image=ImageRules(
        formats=("JPEG",),
        max_bytes=8_000_000,
        min_width=320,
        max_width=1440,
        min_aspect=4 / 5,
        max_aspect=1.91,
        max_images=1,
        alt_text_limit=None,
        needs_public_url=True,
    ),
)


class InstagramAdapter(InstagramMetrics, ContainerAdapter):
    key = "instagram"
    label = gettext_lazy("Instagram")
    rules = INSTAGRAM_RULES
    supports = frozenset()
    idempotent = False
    credential_fields = ("access_token",)
    rule_options = (
        "text_limit",
        "max_hashtags",
        "image_max_bytes",
        "image_min_width",
        "image_max_width",
        "image_min_aspect",
        "image_max_aspect",
    )
    option_fields = ("ig_user_id", "graph_url", "api_version", *rule_options)
    form_fields = {
        "ig_user_id": lambda: forms.CharField(
            label=gettext_lazy("Instagram account id"),
            help_text=gettext_lazy("The id of the Instagram professional account (IG user id)."),
        ),
        "graph_url": lambda: forms.CharField(
            label=gettext_lazy("API address"),
            required=False,
            help_text=gettext_lazy(
                "Leave empty for https://graph.facebook.com (an account linked to a Facebook "
                "Page); enter https://graph.instagram.com for an account connected with "
                "Instagram Login."
            ),
        ),
        "api_version": api_version_field(MetaAdapter.default_api_version),
        "access_token": lambda: forms.CharField(
            label=gettext_lazy("Access token"),
            help_text=gettext_lazy("A token with the instagram_content_publish permission."),
        ),
        **rule_option_fields(INSTAGRAM_RULES, rule_options),
    }

    status_field = "status_code"  # FINISHED, IN_PROGRESS, ERROR, EXPIRED, PUBLISHED
    status_reason_field = "status"  # the reason, e.g. "Error: … 2207003"
    publishing_limit_edge = "content_publishing_limit"

    @property
    def ig_user_id(self) -> str:
        return self.required_option("ig_user_id", _("Instagram account id"))

    def publish(self, post: Post) -> Receipt:
        account = self.ig_user_id
        if not post.media:
            raise PermanentError(
                _("Instagram needs an image: give the page an image (or choose one) to post it.")
            )
        image_url = public_media_url(post.media[0], str(self.label))
        self.check_publishing_quota(account)
        # A repeated container is never shown (unpublished ones expire after 24 h): safe.
        container = self.request(
            "POST",
            self.node(account) + "/media",
            data={"image_url": image_url, "caption": post.text},
            idempotent=True,
        )
        container_id = answer_id(container, self.label, _("media container"))
        self.wait_for_container(container_id)
        published = self.request(  # not idempotent: a lost answer may mean a live post
            "POST", self.node(account) + "/media_publish", data={"creation_id": container_id}
        )
        media_id = answer_id(published, self.label, _("post"), error=AmbiguousError)
        return Receipt(
            remote_id=media_id,
            url=self.permalink(media_id),
            raw={"id": media_id, "container_id": container_id},
        )

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        raise PermanentError(_("Instagram does not let apps edit a published post's caption."))

    def delete(self, receipt: Receipt) -> None:
        raise PermanentError(
            _("Instagram does not let apps delete posts. Delete it in the Instagram app: %(url)s")
            % {"url": receipt.url or receipt.remote_id}
        )

    def check(self) -> Health:
        return self.check_node(
            lambda: self.ig_user_id, "username", lambda user: f"@{user.get('username') or ''}"
        )
