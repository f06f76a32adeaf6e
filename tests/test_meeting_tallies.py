"""The tallies kept for closed meetings stay what a count from the roster and marks gives, whoever writes.

Each test runs one kind of writer on a street with closed meetings in 2025 and one over but not closed, commits,
and checks that the kept rows are exactly what a refresh of every meeting would write and that every figure read
from them equals the live count (FIGURES_CACHE_CHECK, on in the tests, raises on a difference).
"""
import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, event, select, text, update

from portal import figures_cache
from portal.accounts.memberships import move_deputy
from portal.accounts.services import set_active
from portal.extensions import db as _db
from portal.meetings.marks import mark_attendance
from portal.meetings.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingRoster, MeetingTally
from portal.meetings.counting import TALLY_FIELDS, kept_tally_rows
from portal.meetings.rates import meeting_tallies, monthly_attendance, period_tally
from portal.meetings.services import MeetingFields, close_meeting, create_meeting, ensure_default_meeting_kinds, reopen_meeting, update_meeting
from portal.meetings.tallies import _PENDING, settle
from portal.models import Community, Membership, Role, User
from portal.periods import Period

from .conftest import shared_world

pytestmark = pytest.mark.postgres

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))
STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT, None, AttendanceStatus.LEFT_EARLY]


def _at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def build(app, make_user, make_community):
    """Three communities, six deputies (two each), staff and an admin; three closed meetings in 2025 with every
    kind of mark and one over but never closed."""
    communities = [make_community(name) for name in ("甲社区", "乙社区", "丙社区")]
    deputies = [make_user(Role.DEPUTY, community_id=communities[n % 3]).id for n in range(6)]
    staff, admin = make_user(Role.STAFF).id, make_user(Role.ADMIN).id
    with app.app_context():
        ensure_default_meeting_kinds()
        kind = _db.session.scalar(select(MeetingKind).order_by(MeetingKind.id).limit(1))
        actor = _db.session.get(User, staff)
        meetings = []
        for n, day in enumerate((date(2025, 3, 5), date(2025, 3, 20), date(2025, 6, 10), date(2025, 9, 1))):
            meeting = create_meeting(actor, MeetingFields(kind, f"会议{n}", _at(day), _at(day, 4)), deputies)
            for offset, deputy in enumerate(deputies):
                status = STATUSES[(offset + n) % len(STATUSES)]
                if status is not None:
                    mark_attendance(actor, meeting, deputy, status, "出差" if status is AttendanceStatus.EXCUSED else "", sheet_on=day)
            if n < 3:
                close_meeting(actor, meeting)
            meetings.append(meeting.id)
        _db.session.commit()
    return {"communities": communities, "deputies": deputies, "staff": staff, "admin": admin, "meetings": meetings}


street = shared_world(build)


def _kept() -> set:
    columns = [getattr(MeetingTally, name) for name in TALLY_FIELDS]
    return set(_db.session.execute(select(MeetingTally.meeting_id, MeetingTally.community_id, MeetingTally.starts_at, *columns)).all())


def agrees(w) -> None:
    """The kept rows are a fresh count's, and the figures read from them the live ones, for the committee and each
    community."""
    settle()
    assert _kept() == set(_db.session.execute(kept_tally_rows()).all())
    figures_cache._entries.clear()
    for community in (None, *w["communities"]):
        meeting_tallies(Period(YEAR.start, YEAR.end, community))  # raises if a kept row differs from the live count


def committed(app, w, write) -> None:
    """Run `write` (given the staff and admin users) in a transaction of its own, commit, and check in another."""
    with app.app_context():
        write(_db.session.get(User, w["staff"]), _db.session.get(User, w["admin"]))
        agrees(w)  # read inside the writing transaction
        _db.session.commit()
    with app.app_context():
        agrees(w)


def test_the_check_is_on_and_catches_a_kept_row_that_differs(app, street):
    assert app.config["FIGURES_CACHE_CHECK"]
    with app.app_context():
        assert {row[0] for row in _kept()} == set(street["meetings"][:3])  # closed meetings only
        agrees(street)
        _db.session.execute(text("UPDATE meeting_tallies SET present = present + 1"))  # behind the hook's back
        figures_cache._entries.clear()
        with pytest.raises(AssertionError, match="kept meeting tallies differ"):
            period_tally(YEAR)


def test_reopening_correcting_and_closing_again(app, street):
    first = street["meetings"][0]

    def reopen(staff, admin):
        meeting = _db.session.get(Meeting, first)
        reopen_meeting(admin, meeting)
        assert _db.session.info[_PENDING].meetings == {first}
        settle()
        assert first not in {row[0] for row in _kept()}
        mark_attendance(staff, meeting, street["deputies"][0], AttendanceStatus.ABSENT, sheet_on=meeting.day)

    committed(app, street, reopen)

    def close(staff, admin):
        close_meeting(staff, _db.session.get(Meeting, first))

    committed(app, street, close)
    with app.app_context():
        assert first in {row[0] for row in _kept()}


def test_a_roster_change_and_a_meeting_moved_in_time(app, street):
    open_one, closed_one = street["meetings"][3], street["meetings"][1]

    def change(staff, admin):
        from portal.meetings.services import set_roster

        set_roster(_db.session.get(Meeting, open_one), street["deputies"][:4])
        close_meeting(staff, _db.session.get(Meeting, open_one))
        meeting = _db.session.get(Meeting, closed_one)
        update_meeting(meeting, MeetingFields(meeting.kind, meeting.title, _at(date(2025, 7, 1)), _at(date(2025, 7, 1), 4)))

    committed(app, street, change)
    with app.app_context():
        months = dict(monthly_attendance(YEAR))
        assert months[date(2025, 7, 1)].expected == 6 and months[date(2025, 9, 1)].expected == 4


def test_memberships_moved_ended_and_written_in_bulk(app, street):
    deputies = street["deputies"]

    def move(staff, admin):
        # Backdated: the first deputy belonged to the third community from 1 March 2025, the second stopped on 15 March.
        move_deputy(_db.session.get(User, deputies[0]), _db.session.get(Community, street["communities"][2]), date(2025, 3, 1))
        set_active(admin, _db.session.get(User, deputies[1]), False, date(2025, 3, 15))

    committed(app, street, move)

    def bulk(staff, admin):
        # A Core statement over many memberships (a term's roster): every closed meeting is counted again.
        _db.session.execute(update(Membership).where(Membership.deputy_id.in_(deputies[2:4])).values(community_id=street["communities"][0]))

    committed(app, street, bulk)
    with app.app_context():
        first = street["communities"][0]  # two deputies (the third and fourth) at each closed meeting; the open one is in September
        assert period_tally(Period(YEAR.start, date(2025, 8, 31), first)).expected == 6 == sum(
            row.expected for row in _db.session.scalars(select(MeetingTally).where(MeetingTally.community_id == first)))


def test_core_statements_on_marks_and_rosters(app, street):
    closed = street["meetings"][2]

    def pinned(staff, admin):
        _db.session.execute(update(Attendance).where(Attendance.meeting_id == closed).values(status=AttendanceStatus.PRESENT.value))
        _db.session.execute(delete(MeetingRoster).where(MeetingRoster.meeting_id == closed, MeetingRoster.deputy_id == street["deputies"][5]))
        pending = _db.session.info[_PENDING]
        assert (pending.places, pending.everything) == ({closed}, False)  # read from the statements: that meeting only

    committed(app, street, pinned)

    def unpinned(staff, admin):
        _db.session.execute(update(Attendance).where(Attendance.reason != "").values(status=AttendanceStatus.ABSENT.value))

    committed(app, street, unpinned)


def test_a_rolled_back_write_leaves_the_rows_and_a_tap_on_an_open_meeting_writes_none(app, street):
    open_one = street["meetings"][3]
    with app.app_context():
        before = _kept()
        reopen_meeting(_db.session.get(User, street["admin"]), _db.session.get(Meeting, street["meetings"][0]))
        settle()
        assert _kept() != before
        _db.session.rollback()
        assert _kept() == before
    with app.app_context():
        staff, meeting = _db.session.get(User, street["staff"]), _db.session.get(Meeting, open_one)
        written = []
        listener = lambda *args: written.append(args[2])  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            mark_attendance(staff, meeting, street["deputies"][4], AttendanceStatus.LATE, sheet_on=meeting.day)
            _db.session.commit()
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        assert not [statement for statement in written if "meeting_tallies" in statement]
    with app.app_context():
        agrees(street)


def test_the_migration_fills_the_tallies_of_the_meetings_already_closed(app, street, make_app):
    """0021 on a database full of data: its rows are the ones the portal's own rule keeps."""
    from flask_migrate import downgrade, stamp, upgrade

    with make_app().app_context():
        stamp()
        downgrade(revision="0020")
        upgrade()
        assert len(_kept()) == 9  # three closed meetings × three communities; none for the open one
        assert _kept() == set(_db.session.execute(kept_tally_rows()).all())
        _db.session.remove()


def test_two_writers_at_once_leave_the_rows_true(app, street):
    """PostgreSQL: a meeting reopened and a membership moved before its day, both written before either commits;
    each refresh counts what the other committed (SQLite has one writer at a time)."""
    with app.app_context():
        if _db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers")
    first = street["meetings"][0]
    barrier, errors = threading.Barrier(2), []

    def reopen():
        reopen_meeting(_db.session.get(User, street["admin"]), _db.session.get(Meeting, first))

    def move():
        move_deputy(_db.session.get(User, street["deputies"][0]), _db.session.get(Community, street["communities"][1]), date(2025, 1, 1))

    def run(write):
        try:
            with app.app_context():
                write()
                barrier.wait(timeout=20)  # both have written; neither has committed
                _db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(write,)) for write in (reopen, move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        agrees(street)
        assert first not in {row[0] for row in _kept()}
