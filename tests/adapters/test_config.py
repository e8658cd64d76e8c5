"""Adapters take data, not rows: a ``ChannelConfig`` (options, decrypted credentials, callbacks)
builds one with no database; ``Channel.get_adapter()`` builds it from the row."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import wagtail_crosspost.adapters
from tests.fakes.webhook import SECRET, FakeReceiver
from wagtail_crosspost.adapters.base import ChannelCallbacks, ChannelConfig, Health, Post
from wagtail_crosspost.adapters.webhook import WebhookAdapter
from wagtail_crosspost.models import Channel


class Recorder(ChannelCallbacks):
    def __init__(self) -> None:
        self.credentials: list[dict[str, Any]] = []
        self.health: list[Health] = []

    def save_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials.append(credentials)

    def report_health(self, health: Health) -> None:
        self.health.append(health)


def test_an_adapter_built_from_data_posts_without_a_database(local_platform):
    # No django_db marker: any query here would fail the test.
    with FakeReceiver() as receiver:
        url = receiver.hook_url
        config = ChannelConfig(
            id=7,
            name="Intranet",
            platform="webhook",
            options={"url": url},
            credentials={"secret": SECRET},
        )
        adapter = WebhookAdapter(config)
        receipt = adapter.publish(Post(text="Open house", idempotency_key="k-1"))

    assert receipt.remote_id == "item-1"
    [payload] = receiver.received.values()
    assert payload["channel"] == {"id": 7, "name": "Intranet"}
    assert adapter.channel is config
    assert (adapter.channel.pk, adapter.channel.name) == (7, "Intranet")
    assert adapter.options == {"url": url}
    assert adapter.credentials == {"secret": SECRET}


def test_the_config_never_shows_its_credentials():
    config = ChannelConfig(name="Intranet", platform="webhook", credentials={"secret": SECRET})
    assert SECRET not in repr(config)
    assert SECRET not in repr(WebhookAdapter(config))


def test_callbacks_default_to_doing_nothing_and_receive_what_the_adapter_reports():
    quiet = WebhookAdapter(ChannelConfig(platform="webhook", credentials={"secret": "a"}))
    quiet.save_credentials({"secret": "b"})  # no callbacks given: nothing to do, no error
    assert quiet.credentials == {"secret": "b"}

    recorder = Recorder()
    adapter = WebhookAdapter(ChannelConfig(platform="webhook", callbacks=recorder))
    adapter.save_credentials({"secret": "c"})
    adapter.report_health(Health(ok=False, detail="Revoked", needs_reconnect=True))
    assert recorder.credentials == [{"secret": "c"}]
    assert recorder.health == [Health(ok=False, detail="Revoked", needs_reconnect=True)]


def test_an_adapter_is_not_built_from_anything_else():
    with pytest.raises(TypeError, match="ChannelConfig"):
        WebhookAdapter({"url": "https://example.com"})  # type: ignore[arg-type]


@pytest.mark.django_db
def test_get_adapter_builds_from_the_row_and_saves_back_on_it():
    channel = Channel.objects.create(
        platform="webhook", name="Intranet", options={"url": "https://hooks.example/in"}
    )
    channel.set_credentials({"secret": "old-secret"})
    channel.save()

    adapter = Channel.objects.get(pk=channel.pk).get_adapter()
    assert isinstance(adapter.channel, ChannelConfig)
    assert (adapter.channel.pk, adapter.channel.name) == (channel.pk, "Intranet")
    assert adapter.credentials == {"secret": "old-secret"}

    adapter.save_credentials({"secret": "new-secret"})
    adapter.report_health(Health(ok=False, detail="Token revoked", needs_reconnect=True))

    channel.refresh_from_db()
    assert channel.get_credentials() == {"secret": "new-secret"}
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert channel.status_detail == "Token revoked"
    assert channel.checked_at is not None


@pytest.mark.django_db
def test_an_adapter_given_a_row_still_works():
    """Third-party code and older tests build ``SomeAdapter(channel)`` from the row."""
    channel = Channel(
        pk=3, platform="webhook", name="Intranet", options={"url": "https://h.example"}
    )
    channel.set_credentials({"secret": SECRET})
    adapter = WebhookAdapter(channel)  # type: ignore[arg-type]
    assert isinstance(adapter.channel, ChannelConfig)
    assert (adapter.channel.pk, adapter.credentials) == (3, {"secret": SECRET})


FORBIDDEN = ("models", "compose", "planning", "delivery", "views", "auth", "outbox", "tasks")


def test_adapters_import_nothing_from_the_layers_above():
    root = Path(wagtail_crosspost.adapters.__file__).parent
    offences = []
    for path in root.rglob("*.py"):
        package = ["wagtail_crosspost", *path.relative_to(root.parent).parent.parts]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                names = [".".join([*base, *(node.module or "").split(".")]).strip(".")]
                names += [f"{names[0]}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "wagtail_crosspost" and len(parts) > 1 and parts[1] in FORBIDDEN:
                    offences.append(f"{path.relative_to(root)}: {name}")
    assert offences == []
