"""The clinic's opening hours (core/clinic_hours.py): reading CLINIC_OPENING_HOURS, saying them in
words, and what a patient who asks for a call back is told to expect: open, closed for the
night, over the weekend, before opening, and settings that cannot be read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.clinic_hours import (
    BadOpeningHours,
    Opening,
    clinic_now,
    describe,
    is_open,
    next_opening,
    parse,
    when_to_expect_a_call,
)
from core.settings import clinic

WEEKDAYS = parse("Mon-Fri 08:00-17:00")
LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the week of Monday 2026-11-30 (day 0 = Monday), London time."""
    day_ = dt.date(2026, 11, 30) + dt.timedelta(days=day)
    return dt.datetime.combine(day_, dt.time(hour, minute), tzinfo=LONDON)


def test_days_ranges_lists_and_groups_are_read():
    openings = parse("Mon-Fri 08:00-17:00; Sat 09:00-12:30")
    assert len(openings) == 6
    assert openings[0] == Opening(0, dt.time(8), dt.time(17))
    assert openings[-1] == Opening(5, dt.time(9), dt.time(12, 30))
    assert [o.day for o in parse("mon,wed, FRI 9:00-13:00")] == [0, 2, 4]
    assert [o.day for o in parse("Tuesday 08:00 - 10:00")] == [1]


def test_the_hours_are_said_in_words():
    assert describe(WEEKDAYS) == "Monday to Friday, 08:00 to 17:00"
    assert describe(parse("Mon-Fri 08:00-17:00; Sat 09:00-12:00")) == (
        "Monday to Friday, 08:00 to 17:00; Saturday, 09:00 to 12:00"
    )
    assert describe(parse("Mon,Wed 09:00-13:00")) == "Monday and Wednesday, 09:00 to 13:00"


@pytest.mark.parametrize(
    "setting, words",
    [
        ("Mon-Fri 8am-5pm", "Cannot read"),
        ("Funday 08:00-17:00", "Unknown day"),
        ("Mon 17:00-08:00", "closes before it opens"),  # overnight opening is not possible
        ("Mon 09:00-09:00", "closes before it opens"),
        ("", "is empty"),
        (" ; ", "is empty"),
        ("08:00-17:00", "Cannot read"),
    ],
)
def test_settings_that_cannot_be_read_say_how_to_write_them(setting, words):
    with pytest.raises(BadOpeningHours, match=words):
        parse(setting)


def test_a_bad_setting_stops_the_clinic_settings(monkeypatch):
    monkeypatch.setenv("CLINIC_OPENING_HOURS", "weekdays 9 to 5")
    with pytest.raises(BadOpeningHours):
        clinic()


def test_the_clinic_settings_read_the_hours(monkeypatch):
    monkeypatch.setenv("CLINIC_OPENING_HOURS", "Mon-Thu 09:00-16:00")
    monkeypatch.delenv("CLINIC_HOURS", raising=False)
    monkeypatch.setenv("CLINIC_TIMEZONE", "Europe/London")
    place = clinic()
    assert place.hours == "Monday to Thursday, 09:00 to 16:00"
    assert place.timezone == "Europe/London" and len(place.opening_hours) == 4


def test_open_is_from_opening_time_until_just_before_closing():
    assert is_open(WEEKDAYS, at(0, 8))
    assert is_open(WEEKDAYS, at(2, 16, 59))
    assert not is_open(WEEKDAYS, at(2, 17))
    assert not is_open(WEEKDAYS, at(2, 7, 59))
    assert not is_open(WEEKDAYS, at(5, 10))  # Saturday


def test_the_next_opening():
    assert next_opening(WEEKDAYS, at(0, 6)) == at(0, 8)  # later today
    assert next_opening(WEEKDAYS, at(0, 20)) == at(1, 8)  # overnight
    assert next_opening(WEEKDAYS, at(4, 17, 30)) == at(7, 8)  # Friday evening: Monday
    assert next_opening(WEEKDAYS, at(0, 8)) == at(1, 8)  # the opening itself has passed


def test_what_to_expect_while_open():
    text = when_to_expect_a_call(WEEKDAYS, at(1, 10), 4)
    assert text == "The clinic is open now. A nurse will call you, usually within 4 hours."
    assert "within 1 hour." in when_to_expect_a_call(WEEKDAYS, at(1, 10), 1)


def test_what_to_expect_before_opening_today():
    assert when_to_expect_a_call(WEEKDAYS, at(2, 6, 30), 4) == (
        "The clinic is closed now. It opens today at 08:00, and a nurse will call you after "
        "that, usually within 4 hours of opening."
    )


def test_what_to_expect_overnight():
    assert "It opens tomorrow at 08:00" in when_to_expect_a_call(WEEKDAYS, at(2, 22), 4)


@pytest.mark.parametrize("moment", [at(4, 18), at(5, 9), at(6, 23, 59)])
def test_what_to_expect_over_the_weekend(moment):
    text = when_to_expect_a_call(WEEKDAYS, moment, 2)
    opens = "tomorrow" if moment.weekday() == 6 else "on Monday"
    assert f"It opens {opens} at 08:00" in text and "within 2 hours of opening" in text


def test_a_saturday_morning_clinic():
    hours = parse("Mon-Fri 08:00-17:00; Sat 09:00-12:00")
    assert "It opens tomorrow at 09:00" in when_to_expect_a_call(hours, at(4, 19), 4)
    assert "open now" in when_to_expect_a_call(hours, at(5, 11), 4)


def test_the_time_now_is_the_clinics():
    utc_noon = dt.datetime(2026, 7, 1, 12, tzinfo=dt.timezone.utc)
    assert clinic_now("Europe/London", utc_noon).hour == 13  # summer time
    assert clinic_now("America/New_York", utc_noon).hour == 8
    assert clinic_now("UTC").tzinfo is not None
