"""The editor's channel choices as one record per page (issue #13, "cheap choices"): the stored
form, the migration from one row per channel (both ways), and Wagtail's compare view."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from wagtail.models import Page, Revision

from tests.factories import ChannelFactory, make_image
from wagtail_crosspost.choices import (
    Choice,
    choices_for,
    choices_in,
    choices_in_content,
    choose,
    set_choices,
)
from wagtail_crosspost.models import CrosspostChoices
from wagtail_crosspost.outbox import planning

pytestmark = pytest.mark.django_db

SEND_AT = datetime(2026, 3, 26, 14, 30, tzinfo=UTC)


def test_a_choice_stores_only_what_differs_from_the_default():
    assert Choice(3).to_json() == {}
    full = Choice(3, True, "Hi", 7, True, True, "at", SEND_AT)
    assert full.to_json() == {
        "enabled": True,
        "message": "Hi",
        "image_id": 7,
        "repost": True,
        "update_existing": True,
        "timing": "at",
        "send_at": "2026-03-26T14:30:00+00:00",
    }
    assert Choice.from_json(3, full.to_json()) == full
    assert Choice.from_json(3, {}) == Choice(3)


def test_one_record_carries_every_channel_and_each_revision_copies_it(make_article):
    channels = [ChannelFactory() for _ in range(8)]
    page = make_article(channels=channels)
    assert CrosspostChoices.objects.filter(page=page).count() == 1
    revision = page.save_revision()
    assert len(revision.content["crosspost_choices"]) == 1
    assert sorted(choices_in(revision)) == sorted(c.pk for c in channels)
    # Unticking one channel in a draft leaves the published revision's choices alone.
    choose(page, channels[0], enabled=False)
    draft = page.save_revision()
    assert not choices_in(draft)[channels[0].pk].enabled
    assert len(planning.requests_of(revision)) == 8
    assert len(planning.requests_of(draft)) == 7


def test_a_page_without_choices_gets_no_record(make_article):
    page = make_article()
    set_choices(page, [])
    page.save()
    assert not CrosspostChoices.objects.filter(page=page).exists()
    assert choices_for(page) == {}


def test_a_revision_saved_before_the_migration_is_still_read():
    content = {
        "crosspost_requests": [
            {"pk": 1, "page": 5, "channel": 2, "enabled": True, "message": "A", "image": 4},
            {"pk": 2, "page": 5, "channel": 2, "enabled": False},  # the first row wins
            {"pk": 3, "page": 5, "channel": 3, "enabled": False, "send_at": None},
        ]
    }
    assert choices_in_content(content) == {
        2: Choice(2, enabled=True, message="A", image_id=4),
        3: Choice(3),
    }


# -- the migration -----------------------------------------------------------------------------


def _state(executor, target):
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_the_rows_and_the_revisions_both_ways(make_article):
    before = [("wagtail_crosspost", "0006_metrics_snapshots")]
    after = [("wagtail_crosspost", "0007_crosspost_choices")]
    alpha, beta, gone = ChannelFactory(name="Alpha"), ChannelFactory(name="Beta"), ChannelFactory()
    image = make_image(title="Chosen")
    page = make_article()
    other = make_article(title="Other")
    revision = page.save_revision()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes("wagtail_crosspost")
    executor.migrate(before)

    Old = _state(executor, before).get_model("wagtail_crosspost", "CrosspostRequest")
    Old.objects.create(page_id=page.pk, channel_id=alpha.pk, enabled=True, message="Our words")
    Old.objects.create(
        page_id=page.pk,
        channel_id=beta.pk,
        enabled=True,
        image_id=image.pk,
        timing="at",
        send_at=SEND_AT,
    )
    Old.objects.create(page_id=other.pk, channel_id=alpha.pk, enabled=False)
    legacy_rows = [
        {"pk": 1, "page": page.pk, "channel": alpha.pk, "enabled": True, "message": "Draft"},
        {"pk": 2, "page": page.pk, "channel": beta.pk, "enabled": False, "image": image.pk},
        {"pk": 3, "page": page.pk, "channel": gone.pk, "enabled": True},
    ]
    content = {k: v for k, v in revision.content.items() if k != "crosspost_choices"}
    Revision.objects.filter(pk=revision.pk).update(
        content={**content, "crosspost_requests": legacy_rows}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    New = _state(executor, after).get_model("wagtail_crosspost", "CrosspostChoices")
    records = {r.page_id: r for r in New.objects.all()}
    assert records[page.pk].channels == {
        str(alpha.pk): {"enabled": True, "message": "Our words"},
        str(beta.pk): {
            "enabled": True,
            "image_id": image.pk,
            "timing": "at",
            "send_at": "2026-03-26T14:30:00+00:00",
        },
    }
    assert records[other.pk].channels == {str(alpha.pk): {}}
    stored = Revision.objects.get(pk=revision.pk).content
    assert "crosspost_requests" not in stored
    assert stored["crosspost_choices"] == [
        {
            "pk": records[page.pk].pk,
            "page": page.pk,
            "channels": {
                str(alpha.pk): {"enabled": True, "message": "Draft"},
                str(beta.pk): {"image_id": image.pk},
                str(gone.pk): {"enabled": True},
            },
        }
    ]

    # And back: a row per channel again, in the table and in the revision.
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    Old = _state(executor, before).get_model("wagtail_crosspost", "CrosspostRequest")
    rows = {(r.page_id, r.channel_id): r for r in Old.objects.all()}
    assert set(rows) == {(page.pk, alpha.pk), (page.pk, beta.pk), (other.pk, alpha.pk)}
    assert rows[page.pk, alpha.pk].message == "Our words"
    assert rows[page.pk, beta.pk].image_id == image.pk
    assert (rows[page.pk, beta.pk].timing, rows[page.pk, beta.pk].send_at) == ("at", SEND_AT)
    assert not rows[other.pk, alpha.pk].enabled
    stored = Revision.objects.get(pk=revision.pk).content
    assert "crosspost_choices" not in stored
    by_channel = {r["channel"]: r for r in stored["crosspost_requests"]}
    assert by_channel[alpha.pk]["message"] == "Draft"
    assert by_channel[beta.pk]["image"] == image.pk and not by_channel[beta.pk]["enabled"]

    MigrationExecutor(connection).migrate(leaves)  # today's schema for the next tests
    assert choices_for(Page.objects.get(pk=page.pk))[beta.pk].send_at == SEND_AT
    assert choices_in(Revision.objects.get(pk=revision.pk))[alpha.pk].message == "Draft"


# -- Wagtail's compare view --------------------------------------------------------------------


def test_comparing_revisions_shows_which_channels_changed(admin_client, make_article):
    kept, ticked, reworded = (
        ChannelFactory(name="Kept"),
        ChannelFactory(name="Newly ticked"),
        ChannelFactory(name="Reworded"),
    )
    page = make_article(channels=[kept, reworded])
    first = page.save_revision()
    choose(page, ticked)
    choose(page, reworded, message="Fresh words")
    second = page.save_revision()
    url = reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, first.pk, second.pk])
    html = admin_client.get(url).content.decode()
    assert "Publish to" in html
    section = html.split('class="crosspost-compare"')[1].split("</ul>")[0]
    assert "Newly ticked" in section and "Reworded" in section
    assert "Kept" not in section
    assert '<span class="addition">Fresh words</span>' in section

    same = reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, first.pk, first.pk])
    assert 'class="crosspost-compare"' not in admin_client.get(same).content.decode()
