"""An adapter whose answers a test scripts in advance: raise this, then succeed."""

from __future__ import annotations

from collections import deque

from wagtail_crosspost.adapters.base import Adapter, PlatformRules, Post, Receipt

SCRIPT: deque = deque()
CALLS: list[Post] = []


class ScriptedAdapter(Adapter):
    key = "scripted"
    label = "Scripted"
    rules = PlatformRules(text_limit=100)
    supports = frozenset({"update", "delete"})
    idempotent = False

    def publish(self, post: Post) -> Receipt:
        CALLS.append(post)
        if SCRIPT:
            outcome = SCRIPT.popleft()
            if isinstance(outcome, Exception):
                raise outcome
        return Receipt(remote_id=f"s{len(CALLS)}", url=f"https://scripted.invalid/{len(CALLS)}")


class IdempotentScriptedAdapter(ScriptedAdapter):
    key = "scripted_idem"
    idempotent = True


class ForgetfulScriptedAdapter(ScriptedAdapter):
    """Idempotent for an hour only, like Mastodon's Idempotency-Key."""

    key = "scripted_hour"
    idempotent = True
    idempotency_window = 3600
