"""Several workers sweeping at once on PostgreSQL: every row is delivered exactly once."""

import threading
from collections import Counter

import pytest
from django.db import connection

from tests.factories import ChannelFactory
from wagtail_crosspost.adapters import locmem
from wagtail_crosspost.models import Publication
from wagtail_crosspost.outbox import delivery

# The root page and site come from data migrations: restore them after the flush.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_four_workers_deliver_each_row_once(home):
    channels = [ChannelFactory(name=f"C{i}") for i in range(4)]
    pages = []
    for i in range(25):
        page = home.add_child(instance=type(home)(title=f"P{i}", slug=f"p{i}"))
        pages.append(page)
    Publication.objects.bulk_create(
        [
            Publication(page=p, page_title=p.title, channel=c, idempotency_key=f"{p.pk}-{c.pk}")
            for p in pages
            for c in channels
        ]
    )
    assert Publication.objects.count() == 100
    errors = []

    def worker():
        try:
            while delivery.deliver_due(limit=5):
                pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    keys = Counter(p.post.idempotency_key for p in locmem.outbox)
    assert len(keys) == 100 and max(keys.values()) == 1
    assert set(Publication.objects.values_list("status", flat=True)) == {"posted"}
    assert all(r.attempts == 1 for r in Publication.objects.all())
