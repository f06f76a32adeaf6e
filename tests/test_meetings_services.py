"""Meeting rules: rosters, idempotent marks with history, tallies, rates, check-in tokens, the voter log."""
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from portal.clock import local_today, to_utc
from portal.errors import ServiceError
from portal.extensions import db as _db
from portal.meetings.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    MarkSource,
    Meeting,
    MeetingKind,
)
from portal.meetings.marks import mark_attendance
from portal.meetings.checkin import CheckinRefused, checkin_token, self_check_in, verify_checkin
from portal.meetings.rates import attendance_rates, tally
from portal.meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
    meeting_query,
    reopen_meeting,
    roster_ids,
    save_meeting_kind,
    set_roster,
    update_meeting,
)
from portal.meetings.voter_meetings import add_meeting_opinion, save_voter_log
from portal.models import Role, User, utcnow
from portal.periods import Period
from portal.opinions.models import CollectionMethod, Opinion
from portal.opinions.services import active_categories, ensure_default_categories

pytestmark = pytest.mark.postgres

P, L, E, X, A = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY,
                 AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)


@pytest.fixture
def people(db, make_user, make_community):
    """Staff, an admin, four active deputies and one inactive deputy; the default kinds and categories."""
    community = make_community("气象街社区")
    infos = {
        "staff": make_user(Role.STAFF), "admin": make_user(Role.ADMIN),
        **{f"d{i}": make_user(Role.DEPUTY, community_id=community) for i in range(4)},
        "gone": make_user(Role.DEPUTY, active=False),
    }
    ensure_default_meeting_kinds()
    ensure_default_categories()
    db.session.commit()
    return {key: db.session.get(User, info.id) for key, info in infos.items()}


def kind(name: str) -> MeetingKind:
    return next(k for k in meeting_kinds() if k.name == name)


def make_meeting(people, kind_name="工委工作会议", start=None, hours=2, **kw) -> Meeting:
    start = start or utcnow() - timedelta(minutes=5)
    fields = MeetingFields(kind(kind_name), kw.pop("title", "工委工作会议"), start, start + timedelta(hours=hours), **kw)
    return create_meeting(people["staff"], fields)


def deputies(people):
    return [people[f"d{i}"] for i in range(4)]


def test_default_kinds_are_the_reports_and_idempotent(db, people):
    ensure_default_meeting_kinds()
    assert [(k.name, k.voter_log) for k in meeting_kinds()] == [
        ("工委工作会议", False), ("代表与选民见面会", True), ("走访", True), ("培训学习", False), ("集中活动", False)]


def test_admin_renames_adds_and_retires_kinds(db, people):
    save_meeting_kind(kind("培训学习"), "培训/学习", False, active=False)
    added = save_meeting_kind(None, "视察", False)
    names = [k.name for k in meeting_kinds()]
    assert "培训/学习" not in names and names[-1] == "视察" and added.position == 5
    with pytest.raises(ServiceError) as error:
        save_meeting_kind(None, "走访", True)
    assert error.value.field == "name"


def test_new_meeting_rosters_every_active_deputy(db, people):
    meeting = make_meeting(people)
    assert roster_ids(meeting) == {d.id for d in deputies(people)}  # the inactive deputy is left out
    set_roster(meeting, [people["d0"].id, people["d1"].id])
    assert roster_ids(meeting) == {people["d0"].id, people["d1"].id}
    assert tally(meeting).expected == 2


def test_local_form_time_is_stored_as_utc(db, people):
    assert to_utc(datetime(2026, 3, 2, 9, 0)) == datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    meeting = make_meeting(people, start=to_utc(datetime(2026, 3, 2, 9, 0)))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).starts_at == datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"ends_at": -1}, "ends_at"), ({"ends_at": 0}, "ends_at"), ({"title": " "}, "title"), ({"kind": None}, "kind"),
     ({"starts_at": None}, "starts_at")],
)
def test_bad_meeting_input_is_refused(db, people, change, field):
    start = utcnow()
    values = {"kind": kind("走访"), "title": "走访", "starts_at": start, "ends_at": start + timedelta(hours=1)}
    for key, value in change.items():
        values[key] = start + timedelta(hours=value) if key == "ends_at" else value
    before = db.session.scalar(select(func.count()).select_from(Meeting))
    with pytest.raises(ServiceError) as error:
        create_meeting(people["staff"], MeetingFields(**values))
    assert error.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == before


def test_retired_kind_cannot_be_chosen_for_a_new_meeting(db, people):
    retired = save_meeting_kind(kind("集中活动"), "集中活动", False, active=False)
    with pytest.raises(ServiceError):
        create_meeting(people["staff"], MeetingFields(retired, "活动", utcnow(), utcnow() + timedelta(hours=1)))


def test_unknown_deputy_on_roster_is_refused(db, people):
    meeting = make_meeting(people)
    with pytest.raises(ServiceError) as error:
        set_roster(meeting, [people["d0"].id, 999999])
    assert error.value.field == "deputies"
    with pytest.raises(ServiceError):
        set_roster(meeting, [people["staff"].id])  # staff are not deputies


def history(meeting, deputy):
    return [(h.old_status, h.new_status, h.source) for h in _db.session.scalars(
        select(AttendanceChange).where(AttendanceChange.meeting_id == meeting.id,
                                       AttendanceChange.deputy_id == deputy.id).order_by(AttendanceChange.id))]


def test_marks_are_upserts_and_every_change_is_in_the_history(db, people):
    meeting = make_meeting(people)
    staff, d0 = people["staff"], people["d0"]
    first = mark_attendance(staff, meeting, d0.id, P)
    again = mark_attendance(staff, meeting, d0.id, P)  # a retried tap
    assert first.id == again.id and again.status is P and again.source is MarkSource.STAFF
    mark_attendance(staff, meeting, d0.id, L)
    mark_attendance(staff, meeting, d0.id, X, reason="出差")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 1
    assert history(meeting, d0) == [(None, P, MarkSource.STAFF), (P, L, MarkSource.STAFF), (L, X, MarkSource.STAFF)]
    row = db.session.scalars(select(Attendance)).one()
    assert (row.status, row.reason, row.marked_by_id) == (X, "出差", staff.id)


def test_bad_marks_change_nothing(db, people):
    meeting = make_meeting(people)
    staff, d0 = people["staff"], people["d0"]
    mark_attendance(staff, meeting, d0.id, P)
    db.session.commit()
    cases = [
        (staff, d0.id, X, "", "reason"),                 # 请假 without a reason
        (staff, d0.id, X, "   ", "reason"),
        (staff, people["gone"].id, P, "", "deputy"),     # not on the roster
        (staff, 999999, P, "", "deputy"),                # unknown deputy
        (staff, d0.id, "sleeping", "", "status"),        # no such status
        (people["d1"], d0.id, P, "", None),              # a deputy does not mark others
    ]
    for actor, deputy_id, status, reason, field in cases:
        with pytest.raises(ServiceError) as error:
            mark_attendance(actor, meeting, deputy_id, status, reason)
        assert error.value.field == field
        db.session.rollback()
    assert [(r.deputy_id, r.status) for r in db.session.scalars(select(Attendance))] == [(d0.id, P)]
    assert len(history(meeting, d0)) == 1


def test_closed_meeting_is_read_only_until_an_admin_reopens_it(db, people):
    meeting = make_meeting(people)
    mark_attendance(people["staff"], meeting, people["d0"].id, P)
    close_meeting(people["staff"], meeting)
    with pytest.raises(ServiceError) as error:
        mark_attendance(people["staff"], meeting, people["d0"].id, A)
    assert "已结束" in error.value.message or "关闭" in error.value.message
    with pytest.raises(ServiceError):
        set_roster(meeting, [])
    with pytest.raises(ServiceError):
        reopen_meeting(people["staff"], meeting)
    reopen_meeting(people["admin"], meeting)
    assert not meeting.closed and meeting.reopened_by_id == people["admin"].id and meeting.reopened_at is not None
    assert mark_attendance(people["staff"], meeting, people["d0"].id, A).status is A


def test_tally_counts_every_status_and_the_exact_rate(db, people, make_user):
    extra = [_db.session.get(User, make_user(Role.DEPUTY).id) for _ in range(3)]
    meeting = make_meeting(people)
    staff = people["staff"]
    for deputy, status in zip(deputies(people) + extra[:2], [P, P, L, E, X, A]):
        mark_attendance(staff, meeting, deputy.id, status, reason="病假" if status is X else "")
    t = tally(meeting)
    assert (t.expected, t.present, t.late, t.left_early, t.excused, t.absent, t.unmarked) == (7, 2, 1, 1, 1, 1, 1)
    assert t.rate == Fraction(4, 7)


def test_rates_count_closed_or_past_meetings_and_keep_leave_apart(db, people):
    staff, d0 = people["staff"], people["d0"]
    start = utcnow() - timedelta(days=20)
    past = [make_meeting(people, start=start + timedelta(days=i)) for i in range(4)]
    for meeting, status in zip(past, [P, L, X, A]):
        mark_attendance(staff, meeting, d0.id, status, reason="病假" if status is X else "")
    closed_early = make_meeting(people, start=utcnow() - timedelta(minutes=30), hours=3)  # running, but closed
    mark_attendance(staff, closed_early, d0.id, E)
    close_meeting(staff, closed_early)
    running = make_meeting(people, start=utcnow() - timedelta(minutes=10), hours=3)  # open and not over: not counted
    mark_attendance(staff, running, d0.id, A)
    rows = {r.deputy.id: r.tally for r in attendance_rates(Period(local_today() - timedelta(days=30), local_today() + timedelta(days=1)))}
    t = rows[d0.id]
    assert (t.expected, t.present, t.late, t.left_early, t.excused, t.absent) == (5, 1, 1, 1, 1, 1)
    assert t.rate == Fraction(3, 5)
    assert rows[people["d1"].id].expected == 5 and rows[people["d1"].id].rate == 0
    assert people["gone"].id not in rows
    outside = attendance_rates(Period(local_today() - timedelta(days=300), local_today() - timedelta(days=100)))
    assert all(r.tally.expected == 0 and r.tally.rate is None for r in outside)


def test_deputy_sees_only_meetings_they_are_rostered_for(db, people):
    mine = make_meeting(people, title="我的会")
    theirs = make_meeting(people, title="别人的会")
    set_roster(theirs, [people["d1"].id])
    visible = db.session.scalars(meeting_query(people["d0"])).all()
    assert mine in visible and theirs not in visible
    assert {mine, theirs} <= set(db.session.scalars(meeting_query(people["staff"])).all())


def test_self_check_in_marks_present_then_late(db, people):
    start = utcnow() + timedelta(minutes=20)
    meeting = make_meeting(people, start=start)

    def scan(deputy, now):  # the code on the screen at that moment
        return self_check_in(deputy, meeting, checkin_token(meeting, now), now=now)

    early = scan(people["d0"], start - timedelta(minutes=25))
    assert early.status is P and early.source is MarkSource.SELF_CHECKIN and early.marked_by_id == people["d0"].id
    on_time = scan(people["d1"], start + timedelta(minutes=10))
    assert on_time.status is P
    late = scan(people["d2"], start + timedelta(minutes=11))
    assert late.status is L


def test_latest_mark_wins_and_history_keeps_both(db, people):
    meeting = make_meeting(people)
    d0 = people["d0"]
    mark_attendance(people["staff"], meeting, d0.id, A)
    self_check_in(d0, meeting, checkin_token(meeting))
    assert tally(meeting).absent == 0
    mark_attendance(people["staff"], meeting, d0.id, E)
    assert [h[1:] for h in history(meeting, d0)] == [(A, MarkSource.STAFF), (P, MarkSource.SELF_CHECKIN),
                                                      (E, MarkSource.STAFF)]


@pytest.mark.parametrize(
    ("case", "status"),
    [("forged", 400), ("other_meeting", 400), ("expired", 400), ("too_early", 400), ("closed", 400),
     ("not_rostered", 403), ("no_meeting", 400)],
)
def test_check_in_refusals(db, people, case, status):
    meeting = make_meeting(people)
    other = make_meeting(people, title="另一个会")
    token, user, now, target = None, people["d0"], None, meeting
    if case == "forged":
        token = checkin_token(meeting)
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "other_meeting":
        target = other
    elif case == "expired":
        now = meeting.ends_at + timedelta(minutes=31)
    elif case == "too_early":
        now = meeting.starts_at - timedelta(minutes=31)
    elif case == "closed":
        close_meeting(people["staff"], meeting)
    elif case == "not_rostered":
        set_roster(meeting, [people["d1"].id])
    elif case == "no_meeting":
        target = None
    token = token or checkin_token(meeting, now)
    with pytest.raises(CheckinRefused) as refusal:
        self_check_in(user, target, token, now=now)
    assert refusal.value.status == status and refusal.value.message
    assert db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.deputy_id == user.id)) == 0


def test_grace_period_is_configurable(app, db, people):
    meeting = make_meeting(people)
    app.config["CHECKIN_GRACE_MINUTES"] = 60
    now = meeting.ends_at + timedelta(minutes=59)
    assert self_check_in(people["d0"], meeting, checkin_token(meeting, now), now=now).status is L


def test_voter_meeting_opinions_are_linked_and_default_to_the_meetings_community(db, people):
    community = people["d0"].deputy.community
    meeting = make_meeting(people, "代表与选民见面会", start=utcnow() - timedelta(hours=3), community=community)
    save_voter_log(meeting, 35, "已向选民反馈区政府的答复")
    category = active_categories()[3]
    opinion = add_meeting_opinion(people["staff"], meeting, people["d1"], "希望增设老年食堂", category)
    assert (opinion.meeting_id, opinion.community_id, opinion.method, opinion.deputy_id) == (
        meeting.id, community.id, CollectionMethod.MEETING, people["d1"].id)
    assert opinion.on_behalf is True
    visit = make_meeting(people, "走访", start=utcnow() - timedelta(hours=3))
    assert add_meeting_opinion(people["staff"], visit, people["d2"], "楼道灯坏了", category).method is CollectionMethod.VISIT
    assert (meeting.voter_count, meeting.answers) == (35, "已向选民反馈区政府的答复")


def test_voter_log_refusals(db, people):
    work = make_meeting(people)
    with pytest.raises(ServiceError):
        save_voter_log(work, 10, "")
    with pytest.raises(ServiceError):
        add_meeting_opinion(people["staff"], work, people["d0"], "意见", active_categories()[0])
    meeting = make_meeting(people, "代表与选民见面会")
    set_roster(meeting, [people["d0"].id])
    with pytest.raises(ServiceError) as error:
        add_meeting_opinion(people["staff"], meeting, people["d1"], "意见", active_categories()[0])
    assert error.value.field == "deputy"
    with pytest.raises(ServiceError) as error:
        add_meeting_opinion(people["staff"], meeting, people["d0"], " ", active_categories()[0])
    assert error.value.field == "content"
    with pytest.raises(ServiceError) as error:
        save_voter_log(meeting, -1, "")
    assert error.value.field == "voter_count"
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_update_meeting_keeps_a_retired_kind(db, people):
    meeting = make_meeting(people, "集中活动")
    save_meeting_kind(meeting.kind, "集中活动", False, active=False)
    fields = MeetingFields(meeting.kind, "集中活动（改）", meeting.starts_at, meeting.ends_at, notes="会议纪要")
    assert update_meeting(meeting, fields).notes == "会议纪要"


# --- rotating check-in codes -------------------------------------------------------------------------------

def test_a_rotating_code_is_accepted_in_its_step_and_the_next_only(app, db, people):
    meeting = make_meeting(people)
    assert not meeting.fixed_checkin_code  # rotating is the default
    seconds = app.config["CHECKIN_CODE_SECONDS"]
    shown = meeting.starts_at
    photo = checkin_token(meeting, shown)
    assert checkin_token(meeting, shown + timedelta(seconds=seconds)) != photo  # the screen shows a new code
    assert verify_checkin(people["d0"], meeting, photo, now=shown + timedelta(seconds=seconds)) is meeting
    with pytest.raises(CheckinRefused, match="过期"):
        verify_checkin(people["d0"], meeting, photo, now=shown + timedelta(seconds=2 * seconds))
    with pytest.raises(CheckinRefused):
        self_check_in(people["d1"], meeting, photo, now=shown + timedelta(minutes=10))
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_a_deputy_who_scanned_in_time_may_confirm_a_little_later(db, people):
    from portal.meetings.checkin import checkin_confirmation

    meeting = make_meeting(people)
    shown = meeting.starts_at
    token = checkin_token(meeting, shown)
    later = shown + timedelta(minutes=3)
    confirmation = checkin_confirmation(people["d0"], meeting)
    assert self_check_in(people["d0"], meeting, token, now=later, confirmation=confirmation).status is P
    with pytest.raises(CheckinRefused):  # another deputy's confirmation is no proof for d1
        self_check_in(people["d1"], meeting, token, now=later, confirmation=confirmation)


def test_a_fixed_code_works_all_meeting_but_only_when_the_meeting_chose_it(db, people):
    meeting = make_meeting(people)
    rotating_fixed_token = checkin_token(meeting)
    meeting.fixed_checkin_code = True
    fixed = checkin_token(meeting)
    assert verify_checkin(people["d0"], meeting, fixed, now=meeting.ends_at) is meeting
    meeting.fixed_checkin_code = False  # back to rotating: printed codes stop working
    with pytest.raises(CheckinRefused, match="不再使用"):
        verify_checkin(people["d0"], meeting, fixed, now=meeting.starts_at)
    assert rotating_fixed_token != fixed
