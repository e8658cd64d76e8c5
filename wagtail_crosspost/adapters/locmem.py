"""Tests: appends each post to ``outbox``, like Django's ``mail.outbox``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .base import Adapter, Health, PlatformRules, Post, Receipt
from .figures import PLATFORM, Metrics


@dataclass
class SentPost:
    channel: str
    action: str  # "post", "update" or "delete"
    remote_id: str
    post: Post | None


#: Every post, update and deletion sent through a ``locmem`` channel, in order. A plain list:
#: clear it between tests.
outbox: list[SentPost] = []
#: The figures a ``locmem`` post has (remote id -> Metrics); unknown posts have all zero.
figures: dict[str, Metrics] = {}
#: The remote ids of each ``fetch_metrics`` call, in order (one list per call).
metrics_calls: list[list[str]] = []


class LocmemAdapter(Adapter):
    key = "locmem"
    label = _("In-memory (tests)")
    rules = PlatformRules(text_limit=500, counting="graphemes", iri_links=True)
    supports = frozenset({"update", "delete", "alt_text"})
    idempotent = True
    offline = True

    def publish(self, post: Post) -> Receipt:
        remote_id = f"locmem-{len(outbox) + 1}"
        outbox.append(SentPost(self.channel.name, "post", remote_id, post))
        return Receipt(remote_id=remote_id, url=f"https://locmem.invalid/{remote_id}")

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        outbox.append(SentPost(self.channel.name, "update", receipt.remote_id, post))
        return receipt

    def delete(self, receipt: Receipt) -> None:
        outbox.append(SentPost(self.channel.name, "delete", receipt.remote_id, None))

    def check(self) -> Health:
        return Health(ok=True)

    metrics_batch_size = 50

    def fetch_metrics(self, publications) -> dict:
        metrics_calls.append([str(p.remote_id) for p in publications])
        return {
            p: figures.get(str(p.remote_id))
            or Metrics(reactions=0, reposts=0, replies=0, quotes=0).mark(
                PLATFORM, "views", "clicks"
            )
            for p in publications
        }
