"""The frozen-clock leg: 23:30 and 00:30 Beijing time at the turn of a year and of a month, and moving the clock there.

Tests marked `dates` also run with the process's clock moved (with time-machine, which patches the
clock functions themselves, C-level ones included) to instants below and ticking on from it.
At 23:30 on the last day the machine's UTC clock reads the same day and the day's end is near; at
00:30 on the first day of the next year or month Beijing has turned and UTC has not (it is 16:30 of
the last day there): "today", "this year" and "this month" differ between the two clocks.
Every test runs at both 00:30 instants, where the two clocks disagree, and at one of the two 23:30
instants, the year's or the month's by turns (`instants_for`), so the suite meets all four.
"""
import zlib
from contextlib import contextmanager
from datetime import datetime

import time_machine

CLOCKS = (
    "2026-12-31T23:30+08:00",
    "2027-01-01T00:30+08:00",
    "2027-02-28T23:30+08:00",
    "2027-03-01T00:30+08:00",
)


def instants_for(test_id: str) -> list[str]:
    """The instants a `dates` test runs at: both turns at 00:30, and one day's end, the same one from run to run."""
    turns = [instant for instant in CLOCKS if "T00:30" in instant]
    ends = [instant for instant in CLOCKS if "T23:30" in instant]
    return [ends[zlib.crc32(test_id.encode()) % len(ends)], *turns]


@contextmanager
def travel(instant: str):
    """Move the process's clock to `instant` (ISO 8601 with its offset); it ticks on from there."""
    with time_machine.travel(datetime.fromisoformat(instant), tick=True):
        yield
