"""The outbox asks, while composing a row's post, whether its link goes another way.

A layer above (``metrics``: our own click counting) registers a hook here, so the outbox never
imports it. The hook gets the row and its gathered inputs and answers the inputs to compose from
(for example with the site's short redirect as the link). With no hook, the inputs stay as they
are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..compose.post import PostInputs

#: ``hook(publication, inputs) -> inputs``
LinkHook = Callable[[Any, PostInputs], PostInputs]

_hook: LinkHook | None = None


def set_link_hook(hook: LinkHook | None) -> None:
    global _hook
    _hook = hook


def apply(publication: Any, inputs: PostInputs) -> PostInputs:
    """The inputs the row's post is composed from, after the hook (if any) had its say."""
    if _hook is None or not inputs.url:
        return inputs
    return _hook(publication, inputs)
