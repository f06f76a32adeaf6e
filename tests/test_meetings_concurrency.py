"""Eight tablets marking one meeting at once, with retried taps: no mark lost or doubled, history consistent."""
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.errors import run_and_commit
from portal.extensions import db
from portal.meetings.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Meeting,
)
from portal.meetings.rates import tally
from portal.meetings.services import MeetingFields, create_meeting, ensure_default_meeting_kinds, meeting_kinds
from portal.models import Role, User, utcnow

pytestmark = pytest.mark.postgres

THREADS = 8
ROUNDS = 3
S = AttendanceStatus
CHAOS = [S.PRESENT, S.LATE, S.LEFT_EARLY, S.ABSENT, S.EXCUSED]
FINAL = [S.PRESENT, S.LATE, S.EXCUSED, S.ABSENT]  # the fifth deputy stays unmarked


def mark_with_retry(app, meeting_id, actor_id, deputy_id, status, reason, errors):
    """One tap through the views' own commit path, which retries while SQLite reports a concurrent writer."""
    from portal.meetings.marks import mark_attendance

    def tap():
        meeting = db.session.get(Meeting, meeting_id)
        return mark_attendance(db.session.get(User, actor_id), meeting, deputy_id, status, reason)

    try:
        outcome = run_and_commit(tap, attempts=50)
    except OperationalError:
        outcome = None
    if not isinstance(outcome, Attendance):
        errors.append((deputy_id, status))


def test_concurrent_marks_end_exact(app, make_user):
    deputies = [make_user(Role.DEPUTY).id for _ in range(5)]
    staff = [make_user(Role.STAFF).id for _ in range(2)]
    with app.app_context():
        ensure_default_meeting_kinds()
        now = utcnow()
        from datetime import timedelta

        meeting = create_meeting(db.session.get(User, staff[0]),
                                 MeetingFields(meeting_kinds()[0], "工委工作会议", now, now + timedelta(hours=2)))
        db.session.commit()
        meeting_id = meeting.id

    barrier = threading.Barrier(THREADS)
    errors: list = []

    def tablet(number: int) -> None:
        with app.app_context():
            actor = staff[number % 2]
            barrier.wait()
            for round_ in range(ROUNDS):  # every tablet taps every deputy through the statuses
                for index, deputy_id in enumerate(deputies[:4]):
                    status = CHAOS[(number + round_ + index) % len(CHAOS)]
                    reason = f"事假{number}" if status is S.EXCUSED else ""
                    mark_with_retry(app, meeting_id, actor, deputy_id, status, reason, errors)
            barrier.wait()  # then all agree on the final marks, each tapped twice (a retried tap)
            for _ in range(2):
                for deputy_id, status in zip(deputies, FINAL):
                    mark_with_retry(app, meeting_id, actor, deputy_id, status, "出差" if status is S.EXCUSED else "", errors)
            db.session.remove()

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    with app.app_context():
        rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
        assert sorted((r.deputy_id, r.status) for r in rows) == sorted(zip(deputies, FINAL))
        for deputy_id, final in zip(deputies, FINAL):
            changes = db.session.scalars(
                select(AttendanceChange).where(AttendanceChange.meeting_id == meeting_id,
                                               AttendanceChange.deputy_id == deputy_id).order_by(AttendanceChange.id)
            ).all()
            assert changes[0].old_status is None
            for before, after in zip(changes, changes[1:]):  # an unbroken chain: no lost update
                assert after.old_status is before.new_status
                assert (after.new_status, after.reason) != (before.new_status, before.reason)
            assert changes[-1].new_status is final
            assert len(changes) <= THREADS * (ROUNDS + 2)
        t = tally(db.session.get(Meeting, meeting_id))
        assert (t.expected, t.present, t.late, t.left_early, t.excused, t.absent, t.unmarked) == (5, 1, 1, 0, 1, 1, 1)
        assert t.rate is not None and t.rate.numerator * 5 == t.rate.denominator * 2
