"""Weekly slots: parsing, bad input, and their moments across daylight-saving changes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from wagtail_crosspost.schedule.slots import (
    format_slots,
    next_free,
    occurrences,
    parse_slots,
    time_zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def first(text, zone, after, count=1):
    moments = occurrences(parse_slots(text), zone, after)
    return [next(moments) for _ in range(count)]


def test_slots_parse_in_english_and_german_sorted_and_once():
    slots = parse_slots("Thu 09:00, tue 9:00; Di 09.00\nDonnerstag 17:30")
    assert format_slots(slots) == "Tue 09:00, Thu 09:00, Thu 17:30"
    assert parse_slots("  ") == []


@pytest.mark.parametrize("text", ["Tue", "Tue 9", "Funday 09:00", "Tue 24:00", "Tue 09:60", "9:00"])
def test_a_slot_that_does_not_parse_is_named_in_the_error(text):
    with pytest.raises(ValidationError) as error:
        parse_slots(f"Mon 08:00, {text}")
    assert text in error.value.messages[0]


def test_an_unknown_time_zone_is_an_error():
    assert time_zone("Europe/Berlin") == BERLIN
    for name in ("Mars/Olympus", "../etc/passwd", "", "localtime"):
        with pytest.raises(ValidationError, match="not a known time zone"):
            time_zone(name)


def test_berlin_slot_keeps_its_local_time_across_the_spring_change():
    # Clocks go forward on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 UTC after.
    assert first("Tue 09:00", BERLIN, utc(2026, 3, 20), count=2) == [
        utc(2026, 3, 24, 8),
        utc(2026, 3, 31, 7),
    ]


def test_a_slot_in_the_spring_gap_moves_to_the_first_minute_that_exists():
    # 02:30 does not exist on 29 March 2026 in Berlin: the slot is at 03:00 CEST (01:00 UTC).
    assert first("Sun 02:30", BERLIN, utc(2026, 3, 28), count=2) == [
        utc(2026, 3, 29, 1),
        utc(2026, 4, 5, 0, 30),
    ]
    # New York jumps from 02:00 to 03:00 on 8 March 2026: 02:15 is 03:00 EDT (07:00 UTC).
    assert first("Sun 02:15", NEW_YORK, utc(2026, 3, 7)) == [utc(2026, 3, 8, 7)]


def test_a_slot_in_the_repeated_hour_is_its_first_occurrence_and_fires_once():
    # Berlin repeats 02:00-03:00 on 25 October 2026: 02:30 CEST (00:30 UTC), not 02:30 CET.
    assert first("Sun 02:30", BERLIN, utc(2026, 10, 24), count=2) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 11, 1, 1, 30),
    ]
    # New York repeats 01:00-02:00 on 1 November 2026: 01:30 EDT (05:30 UTC).
    assert first("Sun 01:30", NEW_YORK, utc(2026, 10, 31), count=2) == [
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 8, 6, 30),
    ]


def test_new_york_slot_across_the_autumn_change():
    assert first("Mon 09:00, Fri 16:00", NEW_YORK, utc(2026, 10, 30, 12), count=3) == [
        utc(2026, 10, 30, 20),  # Fri 16:00 EDT
        utc(2026, 11, 2, 14),  # Mon 09:00 EST
        utc(2026, 11, 6, 21),  # Fri 16:00 EST
    ]


def test_a_slot_at_the_very_minute_counts_and_a_past_one_does_not():
    assert first("Tue 09:00", BERLIN, utc(2026, 3, 24, 8)) == [utc(2026, 3, 24, 8)]
    assert first("Tue 09:00", BERLIN, utc(2026, 3, 24, 8, 0, 1)) == [utc(2026, 3, 31, 7)]


def test_next_free_skips_taken_slots_and_gives_up_without_slots():
    slots = parse_slots("Tue 09:00, Thu 09:00")
    taken = {utc(2026, 3, 24, 8)}
    assert next_free(slots, BERLIN, utc(2026, 3, 23), taken.__contains__) == utc(2026, 3, 26, 8)
    assert next_free([], BERLIN, utc(2026, 3, 23), taken.__contains__) is None
