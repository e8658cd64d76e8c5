"""What stays the same between the posts of one channel within a delivery batch (a sweep of due
rows, a ``deliver_rows`` task, one send thread's share of them), kept for that batch only.

- the channel's adapter instance (and with it an adapter's own session, e.g. a Bluesky login),
  as long as the channel's platform, options and credentials are what they were;
- the decrypted credentials (``crypto.batch_decrypted``: one Fernet decryption per token);
- the channel's limits (``rules_for_channel``, which may ask the platform's server).

Outside a batch (the editor's preview, a single ``deliver(pk)``), nothing is kept. The batch ends
with ``scope()``: nothing outlives it, so a reconnected channel or changed limits count from the
next batch, at most ``TASK_SECONDS`` later.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import crypto
from ..adapters.base import Adapter, PlatformRules

_adapters: contextvars.ContextVar[dict[Any, Adapter] | None] = contextvars.ContextVar(
    "crosspost_batch_adapters", default=None
)
_rules: contextvars.ContextVar[dict[int, PlatformRules] | None] = contextvars.ContextVar(
    "crosspost_batch_rules", default=None
)


@contextmanager
def scope() -> Iterator[None]:
    """A batch: what is cached inside is dropped at its end."""
    if _adapters.get() is not None:  # already in one (a sweep inside a task)
        yield
        return
    tokens = (_adapters.set({}), _rules.set({}), crypto.batch_decrypted.set({}))
    try:
        yield
    finally:
        _adapters.reset(tokens[0])
        _rules.reset(tokens[1])
        crypto.batch_decrypted.reset(tokens[2])


def adapter_for(channel: Any) -> Adapter:
    """The channel's adapter: the batch's instance while its data is unchanged."""
    adapters = _adapters.get()
    if adapters is None:
        return channel.get_adapter()
    key = (
        channel.pk,
        channel.platform,
        json.dumps(channel.options or {}, sort_keys=True, default=str),
        json.dumps(dict(channel.credentials or {}), sort_keys=True, default=str),
    )
    adapter = adapters.get(key)
    if adapter is None:
        adapter = adapters[key] = channel.get_adapter()
    return adapter


def rules_for(adapter: Adapter) -> PlatformRules:
    """The channel's current limits, asked once per batch."""
    rules = _rules.get()
    if rules is None:
        return adapter.rules_for_channel()
    if id(adapter) not in rules:  # the batch keeps its adapters alive: ids stay unique
        rules[id(adapter)] = adapter.rules_for_channel()
    return rules[id(adapter)]
