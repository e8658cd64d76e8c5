"""The package's one permission, named once."""

from __future__ import annotations

from typing import Any

#: codename of the permission on ``CrosspostRequest`` (see its ``Meta.permissions``)
CROSSPOST_PAGE_CODENAME = "crosspost_page"
#: the same, as ``user.has_perm()`` takes it
CROSSPOST_PAGE = f"wagtail_crosspost.{CROSSPOST_PAGE_CODENAME}"


def user_can_crosspost(user: Any) -> bool:
    """Whether ``user`` may choose the channels a page is posted to."""
    return bool(user and user.is_active and user.has_perm(CROSSPOST_PAGE))
