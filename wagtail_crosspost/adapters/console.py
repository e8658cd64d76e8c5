"""Development: prints each post to standard output instead of sending it."""

from __future__ import annotations

import sys

from django.utils.translation import gettext_lazy as _

from .base import Adapter, Health, PlatformRules, Post, Receipt


class ConsoleAdapter(Adapter):
    key = "console"
    label = _("Console (development)")
    rules = PlatformRules(text_limit=500, counting="graphemes", iri_links=True)
    supports = frozenset({"update", "delete", "alt_text"})
    idempotent = True
    offline = True

    def publish(self, post: Post) -> Receipt:
        remote_id = post.idempotency_key or "console"
        self._write("POST", remote_id, post)
        return Receipt(remote_id=remote_id)

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        self._write("UPDATE", receipt.remote_id, post)
        return receipt

    def delete(self, receipt: Receipt) -> None:
        sys.stdout.write(f"[crosspost:{self.channel.name}] DELETE {receipt.remote_id}\n")

    def check(self) -> Health:
        return Health(ok=True, detail=str(_("The console is always reachable.")))

    def _write(self, verb: str, remote_id: str, post: Post) -> None:
        lines = [f"[crosspost:{self.channel.name}] {verb} {remote_id}", post.text]
        lines += [
            f"  image: {m.filename} {m.width}×{m.height} alt={m.alt_text!r}" for m in post.media
        ]
        sys.stdout.write("\n".join(lines) + "\n")
