"""The demo wall adapter: "publishes" by storing a WallPost, so the demo needs no network.

Like every adapter it knows nothing about the queue: it turns a Post into a Receipt or raises.
Models are imported inside the methods because this module is imported while apps load.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from wagtail_crosspost.adapters.base import (
    Adapter,
    Health,
    ImageRules,
    PermanentError,
    PlatformRules,
    Post,
    Receipt,
)


class DemoWallAdapter(Adapter):
    key = "demowall"
    label = "Demo wall (offline)"
    rules = PlatformRules(
        text_limit=500,
        counting="graphemes",
        image=ImageRules(formats=("JPEG", "PNG"), max_bytes=2_000_000, alt_text_limit=1500),
    )
    supports = frozenset({"update", "delete", "alt_text"})
    idempotent = True  # the idempotency key is a unique column
    offline = True  # posts to this demo site only, never to the internet

    def publish(self, post: Post) -> Receipt:
        from .models import WallPost

        key = post.idempotency_key
        if key:
            existing = WallPost.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return self._receipt(existing)
        wall_post = WallPost(
            channel_name=self.channel.name,
            text=post.text,
            link=post.link,
            idempotency_key=key or _random_key(),
        )
        self._attach_image(wall_post, post)
        try:
            with transaction.atomic():
                wall_post.save()
        except IntegrityError:
            # A concurrent attempt with the same key won: answer with its post.
            if wall_post.image:
                wall_post.image.delete(save=False)
            return self._receipt(WallPost.objects.get(idempotency_key=key))
        return self._receipt(wall_post)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        wall_post = self._get(receipt)
        wall_post.text = post.text
        wall_post.link = post.link
        if post.media:
            old = wall_post.image.name if wall_post.image else ""
            self._attach_image(wall_post, post)
            if old and old != wall_post.image.name:
                wall_post.image.storage.delete(old)
        wall_post.edited_at = timezone.now()
        wall_post.save()
        return self._receipt(wall_post)

    def delete(self, receipt: Receipt) -> None:
        from .models import WallPost

        wall_post = WallPost.objects.filter(pk=_pk(receipt)).first()
        if wall_post is None:
            return  # already gone is what we wanted
        if wall_post.image:
            wall_post.image.delete(save=False)
        wall_post.delete()

    def check(self) -> Health:
        return Health(ok=True, detail="The demo wall lives in this site's database.")

    # -- helpers -------------------------------------------------------------------------------

    def _attach_image(self, wall_post, post: Post) -> None:
        if not post.media:
            return
        media = post.media[0]
        wall_post.alt_text = media.alt_text
        # save=False: the row is saved once, by the caller.
        wall_post.image.save(media.filename, ContentFile(media.content), save=False)

    def _get(self, receipt: Receipt):
        from .models import WallPost

        wall_post = WallPost.objects.filter(pk=_pk(receipt)).first()
        if wall_post is None:
            raise PermanentError("The post is no longer on the demo wall.")
        return wall_post

    def _receipt(self, wall_post) -> Receipt:
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        return Receipt(
            remote_id=str(wall_post.pk),
            url=base + wall_post.get_absolute_url(),
            raw={"id": wall_post.pk, "created_at": wall_post.created_at.isoformat()},
        )


def _pk(receipt: Receipt) -> int:
    try:
        return int(receipt.remote_id)
    except (TypeError, ValueError):
        raise PermanentError(f"“{receipt.remote_id}” is not the id of a demo wall post.") from None


def _random_key() -> str:
    import uuid

    return uuid.uuid4().hex
