"""The frozen-clock leg moves the whole process's clock: the portal's "today" and the machine's UTC day follow it."""
from datetime import datetime, timezone

import pytest

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
