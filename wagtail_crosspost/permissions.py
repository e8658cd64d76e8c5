"""The package's one permission, named once."""

from __future__ import annotations

from typing import Any

#: codename of the permission on ``Channel`` (see its ``Meta.permissions``)
CROSSPOST_PAGE_CODENAME = "crosspost_page"
#: the same, as ``user.has_perm()`` takes it
CROSSPOST_PAGE = f"wagtail_crosspost.{CROSSPOST_PAGE_CODENAME}"


def user_can_crosspost(user: Any) -> bool:
    """Whether ``user`` may choose the channels a page is posted to."""
    return bool(user and user.is_active and user.has_perm(CROSSPOST_PAGE))


def image_edit_url(user: Any, image: Any) -> str:
    """Wagtail's edit page of ``image`` if ``user`` may change it, else ""."""
    if image is None or not getattr(image, "pk", None):
        return ""
    from django.urls import NoReverseMatch, reverse
    from wagtail.images import get_image_model

    try:
        from wagtail.permissions import policy_registry

        policy = policy_registry.get_by_type(get_image_model())
    except ImportError:  # Wagtail 7
        from wagtail.images.permissions import permission_policy as policy  # type: ignore[no-redef]
    if not policy.user_has_permission_for_instance(user, "change", image):
        return ""
    try:
        return reverse("wagtailimages:edit", args=[image.pk])
    except NoReverseMatch:  # the images admin is not mounted
        return ""
