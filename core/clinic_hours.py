"""The clinic's opening hours (CLINIC_OPENING_HOURS, in CLINIC_TIMEZONE): whether it is open,
when it opens next, and what a patient who asks for a call back is told to expect.

The setting is one or more "Days HH:MM-HH:MM" groups separated by ";", e.g.
"Mon-Fri 08:00-17:00; Sat 09:00-12:00". Days are Mon..Sun, a range (Mon-Fri) or a list (Mon,Wed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GROUP = re.compile(r"^\s*([A-Za-z,\- ]+?)\s+(\d{1,2}):(\d\d)\s*-\s*(\d{1,2}):(\d\d)\s*$")


class BadOpeningHours(ValueError):
    """The setting cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Opening:
    day: int  # 0 = Monday
    start: dt.time
    end: dt.time


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            start = DAYS.index(first[:3].title())
            stop = DAYS.index(last[:3].title()) if last else start
        except ValueError:
            raise BadOpeningHours(f"Unknown day in “{part}”: use Mon, Tue, ... Sun.") from None
        days += list(range(start, stop + 1)) if stop >= start else []
    return days


def parse(setting: str) -> tuple[Opening, ...]:
    """The openings a setting lists, by day and time."""
    openings = []
    for group in filter(str.strip, setting.split(";")):
        found = GROUP.match(group)
        if not found:
            raise BadOpeningHours(
                f"Cannot read “{group.strip()}”: write days then hours, like “Mon-Fri 08:00-17:00”."
            )
        days, h1, m1, h2, m2 = found.groups()
        start, end = dt.time(int(h1), int(m1)), dt.time(int(h2), int(m2))
        if end <= start:
            raise BadOpeningHours(f"In “{group.strip()}” the clinic closes before it opens.")
        openings += [Opening(day, start, end) for day in _days(days)]
    if not openings:
        raise BadOpeningHours("CLINIC_OPENING_HOURS is empty: say when the clinic is open.")
    return tuple(sorted(openings, key=lambda o: (o.day, o.start)))


def _clock(moment: dt.time) -> str:
    return moment.strftime("%H:%M")


def describe(openings: tuple[Opening, ...]) -> str:
    """Plain words: "Monday to Friday, 08:00 to 17:00"."""
    by_hours: dict[tuple[dt.time, dt.time], list[int]] = {}
    for opening in openings:
        by_hours.setdefault((opening.start, opening.end), []).append(opening.day)
    parts = []
    for (start, end), days in by_hours.items():
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            named = f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
        else:
            named = " and ".join(DAY_NAMES[day] for day in days)
        parts.append(f"{named}, {_clock(start)} to {_clock(end)}")
    return "; ".join(parts)


def is_open(openings: tuple[Opening, ...], now: dt.datetime) -> bool:
    """Whether the clinic is open at `now` (aware, in the clinic's time zone)."""
    return any(o.day == now.weekday() and o.start <= now.time() < o.end for o in openings)


def next_opening(openings: tuple[Opening, ...], now: dt.datetime) -> dt.datetime:
    """When the clinic next opens after `now` (in `now`'s time zone)."""
    for days_ahead in range(8):
        day = now.date() + dt.timedelta(days=days_ahead)
        for opening in openings:
            if opening.day == day.weekday():
                start = dt.datetime.combine(day, opening.start, tzinfo=now.tzinfo)
                if start > now:
                    return start
    raise BadOpeningHours("The clinic never opens.")  # parse() refuses that already


def when_to_expect_a_call(
    openings: tuple[Opening, ...], now: dt.datetime, within_hours: int
) -> str:
    """What a patient who asked for a call back is told."""
    hours = "1 hour" if within_hours == 1 else f"{within_hours} hours"
    if is_open(openings, now):
        return f"The clinic is open now. A nurse will call you, usually within {hours}."
    opens = next_opening(openings, now)
    if opens.date() == now.date():
        day = "today"
    elif opens.date() == now.date() + dt.timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {DAY_NAMES[opens.weekday()]}"
    return (
        f"The clinic is closed now. It opens {day} at {_clock(opens.time())}, and a nurse will "
        f"call you after that, usually within {hours} of opening."
    )


def clinic_now(timezone: str, now: dt.datetime | None = None) -> dt.datetime:
    """The time now in the clinic's time zone."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(ZoneInfo(timezone))
