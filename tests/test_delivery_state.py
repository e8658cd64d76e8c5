"""What the outbox keeps apart from the log (``delivery_state``), and deletions recorded as
*Deleted*."""

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry

from tests import scripted
from tests.factories import ChannelFactory, publish
from wagtail_crosspost.adapters.base import AmbiguousError, Post, Receipt
from wagtail_crosspost.adapters.http import RAW_LIMIT
from wagtail_crosspost.adapters.locmem import outbox
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery, planning

pytestmark = pytest.mark.django_db

RECEIVED: list[Receipt] = []


class BigReceiptAdapter(scripted.ScriptedAdapter):
    """Answers with a receipt bigger than the log keeps, and records what it is handed back."""

    key = "big_receipt"

    def publish(self, post: Post) -> Receipt:
        return Receipt(
            remote_id="r1", url="https://big.invalid/r1", raw={"cid": "c1", "pad": "x" * RAW_LIMIT}
        )

    def update(self, receipt: Receipt, post: Post) -> Receipt:
        RECEIVED.append(receipt)
        return receipt

    def delete(self, receipt: Receipt) -> None:
        RECEIVED.append(receipt)


@pytest.fixture(autouse=True)
def adapters(settings):
    settings.WAGTAILCROSSPOST_ADAPTERS = [
        "tests.scripted.IdempotentScriptedAdapter",
        "tests.test_delivery_state.BigReceiptAdapter",
    ]
    scripted.SCRIPT.clear()
    scripted.CALLS.clear()
    RECEIVED.clear()


def planned_row(make_article, platform):
    page = make_article(channels=[ChannelFactory(platform=platform, name=platform)])
    publish(page)
    return Publication.objects.get(page=page)


def test_the_receipt_for_later_changes_is_whole_though_the_log_keeps_it_trimmed(make_article):
    row = planned_row(make_article, "big_receipt")
    assert delivery.deliver(row.pk) == "posted"
    row.refresh_from_db()
    assert isinstance(row.raw_response, str) and row.raw_response.endswith("…")  # the log's copy
    delete = planning.plan_delete(row)
    assert delivery.deliver(delete.pk) == "deleted"
    [receipt] = RECEIVED
    assert receipt.remote_id == "r1" and receipt.raw["cid"] == "c1"


def test_an_uncertain_attempt_is_kept_apart_from_the_platforms_answer(make_article):
    row = planned_row(make_article, "scripted_idem")
    scripted.SCRIPT.append(AmbiguousError("Timed out after sending", raw={"status": 504}))
    assert delivery.deliver(row.pk) == "pending"
    row.refresh_from_db()
    assert row.raw_response == {"status": 504}
    assert delivery.AMBIGUOUS_SINCE in row.delivery_state
    Publication.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == "posted"
    row.refresh_from_db()
    assert delivery.AMBIGUOUS_SINCE not in row.delivery_state  # final: no longer counts


def test_a_remote_delete_is_recorded_as_deleted_and_the_page_can_be_posted_again(
    make_article, channel, admin_client, django_capture_on_commit_callbacks
):
    channel.on_unpublish = "delete"
    channel.save()
    page = make_article(channels=[channel])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    post = Publication.objects.get(page=page, action="post")
    delete = Publication.objects.get(page=page, action="delete")
    assert (post.status, delete.status) == ("deleted", "deleted")
    assert delete.sent_at is not None
    history = PageLogEntry.objects.filter(page=page).values_list("action", flat=True)
    assert "wagtail_crosspost.deleted_remotely" in history
    inspect = admin_client.get(reverse("wagtail_crosspost_log:inspect", args=[delete.pk]))
    assert "Deleted" in inspect.content.decode()
    assert "Posted" not in inspect.content.decode()
    # A deleted post does not stop the page from being posted again when it is published again.
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert [p.action for p in outbox] == ["post", "delete", "post"]
    assert Publication.objects.filter(page=page, action="post", status="posted").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_the_outbox_state_out_of_the_log(make_article):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    channel = ChannelFactory(platform="scripted_idem", name="S")
    page = make_article(channels=[channel])
    before = [("wagtail_crosspost", "0002_channel_circuit_breaker")]
    after = [("wagtail_crosspost", "0003_publication_delivery_state")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes("wagtail_crosspost")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("wagtail_crosspost", "Publication")
    common = {
        "page_id": page.pk,
        "page_title": "T",
        "channel_id": channel.pk,
    }
    uncertain = old.objects.create(
        **common,
        idempotency_key="a",
        raw_response={"ambiguous_since": "2026-01-01T10:00:00+00:00", "answer": {"status": 504}},
    )
    posted = old.objects.create(
        **common,
        generation=1,
        idempotency_key="b",
        status="posted",
        remote_id="r9",
        raw_response={"cid": "c9"},
    )
    deleted = old.objects.create(
        **common, idempotency_key="c", action="delete", status="posted", target_id=posted.pk
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    rows = {
        p.pk: p
        for p in executor.loader.project_state(after)
        .apps.get_model("wagtail_crosspost", "Publication")
        .objects.all()
    }
    assert rows[uncertain.pk].raw_response == {"status": 504}
    assert rows[uncertain.pk].delivery_state == {"ambiguous_since": "2026-01-01T10:00:00+00:00"}
    assert rows[posted.pk].raw_response == {"cid": "c9"}  # the log keeps its copy
    assert rows[posted.pk].delivery_state == {"receipt": {"cid": "c9"}}
    assert rows[deleted.pk].status == "deleted"
    MigrationExecutor(connection).migrate(leaves)  # back to today's schema for the next tests


def test_a_platform_answer_with_nul_characters_is_stored_without_them(make_article, channel):
    """PostgreSQL cannot store NUL in text or JSON: a hostile answer must not make the row
    unsavable after the post was made (the next sweep would post it again)."""
    from wagtail_crosspost.adapters.answers import trim, without_nul

    answer = {"id": "1\x002", "note\x00": ["a\x00b", {"c": "\x00"}], "n": 3}
    assert without_nul(answer) == {"id": "12", "note": ["ab", {"c": ""}], "n": 3}
    assert "\x00" not in str(trim(answer))
    assert trim("x\x00" * 3000).count("\x00") == 0
