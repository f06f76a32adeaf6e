"""seed-demo tells the meetings part of the story: a year of every kind, a meeting running now, 40 opinions.

The demo street is the suite's shared one (tests/conftest.py, seeded once per worker); tests/test_cli.py seeds an
empty database through the command itself. Seeding again here must add nothing.
"""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.meetings.models import Attendance, Meeting, MeetingKind, Reply
from portal.meetings.checkin import checkin_window
from portal.meetings.rates import tally
from portal.models import utcnow
from portal.opinions.models import Opinion


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
@pytest.mark.postgres
def test_seed_demo_adds_meetings_attendance_and_forty_meeting_opinions(app, demo, runner):
    assert runner.invoke(args=["seed-demo", "--password", "demo-pass-1"]).exit_code == 0
    with app.app_context():
        def snapshot():
            return (db.session.scalar(select(func.count()).select_from(Meeting)),
                    db.session.scalar(select(func.count()).select_from(Attendance)),
                    db.session.scalar(select(func.count()).select_from(Opinion)))

        first = snapshot()
        kinds = db.session.execute(select(MeetingKind.name, func.count(Meeting.id)).join(Meeting).group_by(MeetingKind.name)).all()
        assert len(kinds) == 5 and all(n > 0 for _, n in kinds)
        opinions = db.session.scalars(select(Opinion).where(Opinion.meeting_id.is_not(None))).all()
        assert len(opinions) == 40 and len({o.category_id for o in opinions}) == 6
        assert all(o.meeting.kind.voter_log for o in opinions)
        open_meetings = db.session.scalars(
            select(Meeting).where(Meeting.closed.is_(False), Meeting.starts_at <= utcnow())).all()
        assert len(open_meetings) == 1
        coming = db.session.scalars(select(Meeting).where(Meeting.starts_at > utcnow())).all()
        assert len(coming) == 2 and all(not m.closed for m in coming)  # with some deputies' answers
        assert {p.reply for m in coming for p in m.roster} >= {Reply.ATTEND, Reply.LEAVE, None}
        opens, closes = checkin_window(open_meetings[0])
        assert open_meetings[0].starts_at <= utcnow() < open_meetings[0].ends_at and opens < utcnow() < closes
        past = db.session.scalars(select(Meeting).where(Meeting.closed)).all()
        assert len(past) >= 25 and all(m.ends_at < utcnow() for m in past)
        tallies = [tally(m) for m in past]
        assert all(t.unmarked == 0 for t in tallies) and len({t.rate for t in tallies}) > 3
        overall = sum(t.attended for t in tallies) / sum(t.expected for t in tallies)
        assert 0.7 < overall < 0.97  # realistic: most come, not all
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert snapshot() == first
