"""An in-process fake platform that takes ``SECONDS`` to answer every post (no network at all),
for the zero-setup publish benchmark: does the editor's Publish wait for it?"""

from __future__ import annotations

import time

from wagtail_crosspost.adapters.base import Adapter, PlatformRules, Post, Receipt

SECONDS = 2.0


class SlowAdapter(Adapter):
    key = "slow"
    label = "Slow (2 s)"
    rules = PlatformRules(text_limit=500)
    idempotent = True
    offline = True

    def publish(self, post: Post) -> Receipt:
        time.sleep(SECONDS)
        return Receipt(remote_id="slow", url="https://slow.invalid/1")
