"""Fixtures shared by the schedule tests."""

import pytest

from wagtail_crosspost.schedule.models import ChannelSchedule, Timing


@pytest.fixture
def slotted(channel):
    return ChannelSchedule.objects.create(
        channel=channel,
        time_zone="Europe/Berlin",
        slots="Tue 09:00, Thu 09:00",
        default_timing=Timing.NEXT_SLOT,
        min_gap_minutes=60,
    )
