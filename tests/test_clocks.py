"""The frozen-clock leg moves the whole process's clock: the portal's "today" and the machine's UTC day follow it."""
from datetime import date, datetime, timezone

import flask_babel
import pytest
from flask import render_template_string

from portal.clock import local_today, local_zone


@pytest.mark.dates
def test_the_portal_and_the_machine_read_the_frozen_instant(db_backend, frozen_clock):
    now = datetime.now(timezone.utc)
    if frozen_clock is None:
        assert local_today() == now.astimezone(local_zone()).date()
        return
    instant = datetime.fromisoformat(frozen_clock)
    assert local_today() == instant.date()
    assert now.date() == instant.astimezone(timezone.utc).date()  # 00:30 in Beijing is the day before in UTC
    assert abs((now - instant).total_seconds()) < 60  # moved there, and ticking on


def test_the_date_filter_writes_what_flask_babel_writes(app):
    """The `date` filter keeps each day's text per language: a date, a stored time near local midnight (the user's
    day, not UTC's) and a naive one read as UTC come out as Flask-Babel's `format_date` writes them, in each language."""
    times = [date(2026, 12, 31), datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc),
             datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc), datetime(2026, 12, 31, 16, 30)]
    for locale in ("zh_Hans_CN", "en"):
        with app.test_request_context("/"), flask_babel.force_locale(locale):
            written = render_template_string("{% for t in times %}{{ t | date }};{% endfor %}", times=times)
            assert written == "".join(f"{flask_babel.format_date(t)};" for t in times)
    assert written == "Dec 31, 2026;Dec 31, 2026;Jan 1, 2027;Jan 1, 2027;"
