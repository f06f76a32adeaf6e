"""The frozen-clock leg: instants around the turns of a Beijing day, month and year, and moving the clock there.

Tests marked `dates` also run with the process's clock moved (with time-machine, which patches the
clock functions themselves, C-level ones included) to each instant below and ticking on from it.
At 00:30 in Beijing the machine's UTC clock still reads the day before; at 23:30 both read the same
day, and a day's end is near. The last day of a year and of a (short) month, and the first hour of
the next year, when Beijing's year is one ahead of UTC's.
"""
from contextlib import contextmanager
from datetime import datetime

import time_machine

CLOCKS = (
    "2026-12-31T00:30+08:00",
    "2026-12-31T23:30+08:00",
    "2027-01-01T00:30+08:00",
    "2027-02-28T00:30+08:00",
    "2027-02-28T23:30+08:00",
)


@contextmanager
def travel(instant: str):
    """Move the process's clock to `instant` (ISO 8601 with its offset); it ticks on from there."""
    with time_machine.travel(datetime.fromisoformat(instant), tick=True):
        yield
