from datetime import UTC, datetime, timedelta

import pytest
from wagtail.models import Page

from tests.testapp.models import ArticlePage
from wagtail_crosspost.evergreen.models import EvergreenSettings
from wagtail_crosspost.schedule.models import ChannelSchedule

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def make_pages(home):
    """``n`` live articles that went live a year before NOW (fast: no revisions)."""

    def make(n, prefix="Page", published=NOW - timedelta(days=365)):
        pages = []
        for i in range(n):
            page = ArticlePage(title=f"{prefix} {i}", intro="An intro.", live=True)
            home.add_child(instance=page)
            pages.append(page)
        Page.objects.filter(pk__in=[p.pk for p in pages]).update(first_published_at=published)
        return pages

    return make


@pytest.fixture
def evergreen(channel):
    """The channel re-shares daily at 09:00 UTC, one a day, cooldown 90 days."""
    ChannelSchedule.objects.create(channel=channel, time_zone="UTC", slots=_daily("09:00"))
    return EvergreenSettings.objects.create(channel=channel, enabled=True)


def _daily(at):
    return ", ".join(f"{d} {at}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
