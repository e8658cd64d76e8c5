"""The planned posts of a page, as an approver reviews them (the workflow action modal, the
preview link)."""

from __future__ import annotations

from typing import Any

from django import template

from ..review.previews import planned_posts
from ..review.workflow import pending, tasks_of

register = template.Library()


@register.inclusion_tag("wagtail_crosspost/review/planned_posts.html")
def crosspost_planned_posts(page: Any) -> dict[str, Any]:
    page = page.specific
    waiting: set[int] = set()
    for task in tasks_of(page):
        waiting |= {channel.pk for channel, _choice in pending(task, page)}
    posts = planned_posts(page)
    for post in posts:
        post.approved = post.channel.pk not in waiting
    return {"posts": posts}
