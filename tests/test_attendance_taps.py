"""The door tablet's taps: idempotency keys, the later tap wins (both kept), tap times corrected by the
tablet's own clock, board versions for the poll, a fixed number of queries at 30 and 600 deputies,
closing that no racing mark outlives, and a second QR scan."""
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select

from portal.errors import ServiceError
from portal.extensions import db
from portal.meetings.models import Attendance, AttendanceChange, AttendanceStatus, Meeting, MeetingRoster
from portal.meetings.marks import Tap, board_changes, corrected_tap_time, mark_attendance
from portal.meetings.checkin import checkin_token
from portal.meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
    reopen_meeting,
    set_roster,
)
from portal.figures_cache import ATTENDANCE
from portal.models import Community, DataVersion, DeputyProfile, Level, Role, User, utcnow

pytestmark = pytest.mark.postgres

P, L, A, X = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
HX = {"HX-Request": "true"}


@pytest.fixture
def door(db, make_user, make_community):
    """Staff, an admin, three deputies and an open meeting running now with all three expected."""
    community = make_community("气象街社区")
    staff, admin = make_user(Role.STAFF), make_user(Role.ADMIN)
    deputies = [make_user(Role.DEPUTY, community_id=community) for _ in range(3)]
    ensure_default_meeting_kinds()
    now = utcnow()
    meeting = create_meeting(db.session.get(User, staff.id),
                             MeetingFields(meeting_kinds()[0], "工委工作会议", now - timedelta(minutes=20), now + timedelta(hours=2)))
    db.session.commit()
    return {"staff": db.session.get(User, staff.id), "admin": db.session.get(User, admin.id), "meeting": meeting,
            "deputies": [d.id for d in deputies], "infos": {"staff": staff, "deputies": deputies}}


def history(meeting_id: int, deputy_id: int) -> list[AttendanceChange]:
    return list(db.session.scalars(select(AttendanceChange).where(
        AttendanceChange.meeting_id == meeting_id, AttendanceChange.deputy_id == deputy_id).order_by(AttendanceChange.id)))


def current(meeting_id: int, deputy_id: int) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.deputy_id == deputy_id)
                             .execution_options(populate_existing=True))


def test_a_replayed_tap_changes_nothing_and_adds_no_history(db, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    tap = Tap(str(uuid.uuid4()), utcnow() - timedelta(seconds=30))
    mark_attendance(staff, meeting, deputy, P, tap=tap)
    db.session.commit()
    mark_attendance(staff, meeting, deputy, A, tap=Tap(str(uuid.uuid4())))  # a later tap on another tablet
    db.session.commit()
    version = db.session.get(Meeting, meeting.id).board_version
    for _ in range(2):  # the first tablet never heard back, and sends its tap again
        assert mark_attendance(staff, meeting, deputy, P, tap=tap).status is A
        db.session.commit()
    assert current(meeting.id, deputy).status is A
    assert [(c.new_status, c.applied) for c in history(meeting.id, deputy)] == [(P, True), (A, True)]
    assert db.session.get(Meeting, meeting.id).board_version == version  # nothing for the other tablets to fetch


def test_the_later_tap_wins_whatever_the_order_of_arrival_and_both_are_kept(db, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    now = utcnow()
    late_tap = Tap(str(uuid.uuid4()), now - timedelta(seconds=10))   # tablet B, online: arrives first
    early_tap = Tap(str(uuid.uuid4()), now - timedelta(minutes=3))   # tablet A, offline: tapped before, arrives after
    mark_attendance(staff, meeting, deputy, L, tap=late_tap)
    db.session.commit()
    mark_attendance(staff, meeting, deputy, A, tap=early_tap)
    db.session.commit()
    mark = current(meeting.id, deputy)
    assert mark.status is L and mark.tapped_at == late_tap.tapped_at
    kept = history(meeting.id, deputy)
    assert [(c.new_status, c.applied, c.tap_id) for c in kept] == [(L, True, late_tap.tap_id), (A, False, early_tap.tap_id)]
    assert kept[1].old_status is L and kept[1].tapped_at == early_tap.tapped_at and kept[1].changed_at > kept[0].changed_at


def test_a_repeated_status_tapped_later_still_beats_an_older_tap(db, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    now = utcnow()
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4()), now - timedelta(minutes=5)))
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4()), now - timedelta(minutes=1)))
    mark_attendance(staff, meeting, deputy, A, tap=Tap(str(uuid.uuid4()), now - timedelta(minutes=3)))
    db.session.commit()
    assert current(meeting.id, deputy).status is P
    assert [c.applied for c in history(meeting.id, deputy)] == [True, True, False]


def test_tap_times_use_only_the_tablets_own_clock_for_the_age_of_the_tap():
    received = datetime(2026, 11, 28, 9, 12, 30, tzinfo=timezone.utc)
    tablet_ahead = 7 * 60 * 1000  # the tablet's clock runs seven minutes fast
    tapped, sent = 1_800_000_000_000 + tablet_ahead, 1_800_000_045_000 + tablet_ahead
    assert corrected_tap_time(tapped, sent, received) == received - timedelta(seconds=45)
    assert corrected_tap_time(sent + 5000, sent, received) == received  # never after it arrived


def test_untimed_taps_are_dated_when_received(db, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][1]
    before = utcnow()
    mark_attendance(staff, meeting, deputy, X, "出差")
    db.session.commit()
    mark = current(meeting.id, deputy)
    assert before <= mark.tapped_at == mark.marked_at <= utcnow()
    assert history(meeting.id, deputy)[0].tapped_at == mark.tapped_at


def test_board_versions_say_what_changed(db, door):
    meeting, staff = door["meeting"], door["staff"]
    start = meeting.board_version
    assert board_changes(meeting, start) is None
    mark_attendance(staff, meeting, door["deputies"][0], P)
    mark_attendance(staff, meeting, door["deputies"][1], A)
    db.session.commit()
    found = board_changes(db.session.get(Meeting, meeting.id), start + 1)
    assert not found.whole and [c.deputy_id for c in found.cards] == [door["deputies"][1]]
    assert (found.tally.present, found.tally.absent, found.version) == (1, 1, start + 2)
    set_roster(meeting, door["deputies"][:2])
    db.session.commit()
    found = board_changes(db.session.get(Meeting, meeting.id), start + 2)
    assert found.whole and len(found.cards) == 2
    close_meeting(staff, meeting)
    db.session.commit()
    assert board_changes(db.session.get(Meeting, meeting.id), found.version).whole


def test_closing_refuses_later_marks_and_reopening_allows_them(db, door):
    meeting, staff = door["meeting"], door["staff"]
    close_meeting(staff, meeting)
    db.session.commit()
    with pytest.raises(ServiceError):
        close_meeting(staff, meeting)
    db.session.rollback()
    with pytest.raises(ServiceError):
        mark_attendance(staff, meeting, door["deputies"][0], P, tap=Tap(str(uuid.uuid4())))
    db.session.rollback()
    assert current(meeting.id, door["deputies"][0]) is None
    reopen_meeting(door["admin"], meeting)
    db.session.commit()
    assert mark_attendance(staff, meeting, door["deputies"][0], P).status is P


# --- the close race --------------------------------------------------------------------------------------

def test_a_mark_that_read_the_meeting_open_is_refused_once_a_close_committed_first(app, door):
    """The mark loads the meeting (open), then the close commits, then the mark writes: it must be refused."""
    meeting_id, staff_id, deputy = door["meeting"].id, door["staff"].id, door["deputies"][0]
    db.session.remove()
    loaded, closed = threading.Event(), threading.Event()
    outcome = {}

    def tablet():
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting.closed is False
            loaded.set()
            closed.wait(30)
            try:
                mark_attendance(db.session.get(User, staff_id), meeting, deputy, P, tap=Tap(str(uuid.uuid4())))
                db.session.commit()
                outcome["mark"] = "written"
            except ServiceError as error:
                db.session.rollback()
                outcome["mark"] = error.message
            db.session.remove()

    def closer():
        with app.app_context():
            loaded.wait(30)
            close_meeting(db.session.get(User, staff_id), db.session.get(Meeting, meeting_id))
            db.session.commit()
            db.session.remove()
            closed.set()

    threads = [threading.Thread(target=tablet), threading.Thread(target=closer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome["mark"] != "written"
    with app.app_context():
        assert db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting_id)) is None
        assert db.session.get(Meeting, meeting_id).closed


def test_a_close_waits_for_a_mark_already_writing_and_comes_after_it(app, door, db_backend):
    """The mark has taken the meeting's lock; a close started meanwhile commits only after the mark."""
    meeting_id, staff_id, deputy = door["meeting"].id, door["staff"].id, door["deputies"][0]
    db.session.remove()
    marked, close_started, finished = threading.Event(), threading.Event(), {}

    def tablet():
        with app.app_context():
            mark_attendance(db.session.get(User, staff_id), db.session.get(Meeting, meeting_id), deputy, P)
            marked.set()
            close_started.wait(30)
            if db_backend == "postgresql":  # the close is queued behind this transaction's row lock
                wait_for_lock_waiter()
            db.session.commit()
            finished["mark"] = utcnow()
            db.session.remove()

    def closer():
        with app.app_context():
            marked.wait(30)
            close_started.set()
            try:
                close_meeting(db.session.get(User, staff_id), db.session.get(Meeting, meeting_id))
                db.session.commit()
            except Exception as error:  # SQLite: busy until the mark commits, then it goes ahead
                finished["error"] = repr(error)
            db.session.remove()

    threads = [threading.Thread(target=tablet), threading.Thread(target=closer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert "error" not in finished
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        mark = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting_id))
        assert meeting.closed and mark is not None and mark.marked_at <= meeting.closed_at


def wait_for_lock_waiter():
    """Poll pg_stat_activity on another connection until some backend waits for a lock (the close)."""
    import time

    with db.engine.connect() as connection:
        for _ in range(600):
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").scalar()
            if waiting:
                return
            connection.rollback()
            time.sleep(0.01)
    raise AssertionError("the close never queued behind the mark")


# --- a fixed number of queries, whatever the roster ------------------------------------------------------

@contextmanager
def count_queries():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def big_meeting(app, staff_id: int, size: int) -> tuple[int, list[int]]:
    """A meeting with `size` deputies on its roster, inserted in bulk."""
    with app.app_context():
        community = Community(name=f"大社区{size}")
        db.session.add(community)
        db.session.flush()
        first = db.session.scalar(select(db.func.coalesce(db.func.max(User.id), 0))) + 1
        ids = list(range(first, first + size))
        db.session.execute(insert(User), [
            {"id": i, "username": f"bulk{i}", "name": f"代表{i}", "role": Role.DEPUTY, "password_hash": "x", "active": True}
            for i in ids])
        db.session.execute(insert(DeputyProfile), [
            {"user_id": i, "level": Level.DISTRICT, "community_id": community.id} for i in ids])
        now = utcnow()
        meeting = create_meeting(db.session.get(User, staff_id), MeetingFields(
            meeting_kinds()[0], f"{size}人大会", now - timedelta(minutes=5), now + timedelta(hours=2)), deputy_ids=[])
        db.session.execute(insert(MeetingRoster), [{"meeting_id": meeting.id, "deputy_id": i} for i in ids])
        for deputy in ids[: size // 3]:
            mark_attendance(db.session.get(User, staff_id), meeting, deputy, P)
        db.session.commit()
        return meeting.id, ids


@pytest.mark.parametrize("size", [30, 600])
def test_a_mark_and_a_poll_cost_the_same_queries_at_30_and_600_deputies(app, client, login, door, size):
    # A first mark: the user and the meeting, what the tap is decided on (card, tally, latest tap, tap id: one
    # statement), the attendance version, the guarded bump, the mark's INSERT, the history row and
    # its audit row; a change of that mark the same, with an UPDATE. The same status again: the user, the meeting,
    # the decision, the history row and its audit row; without a tap id, the first three only. The poll: the user
    # and the meeting; with a change, the changed cards and the tally. Every tap at most 8 (issue 24).
    expected_queries = {"first mark": 8, "change": 8, "repeat": 5, "repeat without a tap id": 3, "idle poll": 2,
                        "poll with a change": 4}
    meeting_id, ids = big_meeting(app, door["staff"].id, size)
    login(door["infos"]["staff"])
    with app.app_context():
        version = db.session.get(Meeting, meeting_id).board_version
    url = f"/meetings/{meeting_id}/attendance/{ids[-1]}"
    data = {"status": "late", "tap_id": str(uuid.uuid4()), "tapped_at": "1800000000000", "sent_at": "1800000001000"}
    counts, statements = {}, {}
    for kind, sent, tally in [("first mark", data, 'data-tally="late">1<'),
                              ("repeat", {**data, "tap_id": str(uuid.uuid4())}, 'data-tally="late">1<'),
                              ("repeat without a tap id", {"status": "late"}, 'data-tally="late">1<'),
                              ("change", {"status": "absent", "tap_id": str(uuid.uuid4())}, 'data-tally="absent">1<')]:
        with app.app_context(), count_queries() as queries:
            response = client.post(url, data=sent, headers=HX)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and body.count('class="attendance-card') == 1 and tally in body, kind
        counts[kind], statements[kind] = len(queries), [q[:100] for q in queries]
    with app.app_context():
        assert [change.new_status for change in history(meeting_id, ids[-1])] == [L, L, A]
        assert current(meeting_id, ids[-1]).status is A
        assert db.session.get(Meeting, meeting_id).board_version == version + 2  # the two that changed the mark
    with app.app_context(), count_queries() as idle_queries:
        assert client.get(f"/meetings/{meeting_id}/attendance/changes?since={version + 2}", headers=HX).status_code == 204
    with app.app_context(), count_queries() as poll_queries:
        poll = client.get(f"/meetings/{meeting_id}/attendance/changes?since={version + 1}", headers=HX)
    assert poll.status_code == 200 and poll.get_data(as_text=True).count('class="attendance-card') == 1
    counts.update({"idle poll": len(idle_queries), "poll with a change": len(poll_queries)})
    assert counts == expected_queries, (size, counts, statements)


def test_the_tally_a_tap_answers_with_counts_only_the_roster(app, client, login, door):
    # A mark outlives its deputy's removal from the roster; the tap's tally (read from the marks) must not count it.
    meeting, staff, (first, second, third) = door["meeting"], door["staff"], door["deputies"]
    mark_attendance(staff, meeting, first, P)
    mark_attendance(staff, meeting, second, X, "出差")
    set_roster(db.session.get(Meeting, meeting.id), [first, third])
    db.session.commit()
    login(door["infos"]["staff"])
    answer = client.post(f"/meetings/{meeting.id}/attendance/{third}", data={"status": "late"}, headers=HX)
    body = answer.get_data(as_text=True)
    for name, count in {"expected": 2, "present": 1, "late": 1, "excused": 0, "unmarked": 0}.items():
        assert f'data-tally="{name}">{count}<' in body, name
    assert 'data-tally="excused">0<' in client.get(f"/meetings/{meeting.id}/attendance").get_data(as_text=True)


def test_a_tap_that_changes_the_mark_replaces_the_attendance_version_and_a_repeat_none(app, client, login, door):
    # The tap writes on the session's connection and replaces the version itself (no hook sees its statements).
    def versions() -> dict[str, str]:
        with app.app_context():
            return dict(db.session.execute(select(DataVersion.kind, DataVersion.token)).all())

    login(door["infos"]["staff"])
    url = f"/meetings/{door['meeting'].id}/attendance/{door['deputies'][0]}"
    for status in ("late", "absent"):  # the first mark (an INSERT), then a change (an UPDATE)
        before = versions()
        assert client.post(url, data={"status": status}, headers=HX).status_code == 200
        after = versions()
        assert after[ATTENDANCE] != before[ATTENDANCE]
        assert {k: v for k, v in after.items() if k != ATTENDANCE} == {k: v for k, v in before.items() if k != ATTENDANCE}
    for sent in ({"status": "absent"}, {"status": "absent", "tap_id": str(uuid.uuid4())}):  # repeats: nothing a figure reads
        assert client.post(url, data=sent, headers=HX).status_code == 200
        assert versions() == after


# --- the QR code scanned again ---------------------------------------------------------------------------

def test_scanning_again_after_checking_in_says_so_with_status_and_time(app, client, login, door):
    deputy = door["infos"]["deputies"][0]
    meeting = door["meeting"]
    url = f"/meetings/{meeting.id}/checkin/{checkin_token(meeting)}"
    login(deputy)
    assert "确认签到" in client.get(url).get_data(as_text=True)
    client.post(url)
    with app.app_context():
        mark = current(meeting.id, deputy.id)
        from portal.clock import to_local

        shown = to_local(mark.tapped_at).strftime("%H:%M")
    again = client.get(url).get_data(as_text=True)
    assert f"您已签到（迟到，{shown}）" in again and "确认签到" not in again
    client.post(url)  # a second confirm changes nothing
    with app.app_context():
        assert len(history(meeting.id, deputy.id)) == 1


def test_the_meeting_history_shows_tap_and_receipt_times_and_the_tap_that_lost(app, client, login, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    now = utcnow()
    mark_attendance(staff, meeting, deputy, L, tap=Tap(str(uuid.uuid4()), now - timedelta(seconds=10)))
    mark_attendance(staff, meeting, deputy, A, tap=Tap(str(uuid.uuid4()), now - timedelta(minutes=3)))
    db.session.commit()
    login(door["infos"]["staff"])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "点按时间" in page and "收到时间" in page
    assert page.count("已记录，未采用") == 1


# --- tap ids: one spelling per tap, never reused for another meeting or deputy -----------------------------

@pytest.mark.parametrize("spelling", ["{%s}", "urn:uuid:%s", "%s"])
def test_a_tap_id_in_any_spelling_is_the_same_tap(app, client, login, door, spelling):
    meeting, deputy = door["meeting"], door["deputies"][0]
    login(door["infos"]["staff"])
    tap_id = str(uuid.uuid4())
    url = f"/meetings/{meeting.id}/attendance/{deputy}"
    assert client.post(url, data={"status": "late", "tap_id": tap_id}, headers=HX).status_code == 200
    again = client.post(url, data={"status": "late", "tap_id": spelling % tap_id.upper()}, headers=HX)
    assert again.status_code == 200 and 'data-tally="late">1<' in again.get_data(as_text=True)
    with app.app_context():
        assert [change.tap_id for change in history(meeting.id, deputy)] == [tap_id]


def test_a_braced_tap_id_fits_its_column(app, client, login, door):
    meeting, deputy = door["meeting"], door["deputies"][0]
    login(door["infos"]["staff"])
    tap_id = uuid.uuid4()
    url = f"/meetings/{meeting.id}/attendance/{deputy}"
    assert client.post(url, data={"status": "present", "tap_id": "{%s}" % str(tap_id).upper()}, headers=HX).status_code == 200
    with app.app_context():
        assert [change.tap_id for change in history(meeting.id, deputy)] == [str(tap_id)]


def test_a_tap_id_that_is_not_a_uuid_is_refused_at_its_field(app, client, login, door):
    meeting, deputy = door["meeting"], door["deputies"][0]
    login(door["infos"]["staff"])
    response = client.post(f"/meetings/{meeting.id}/attendance/{deputy}", data={"status": "present", "tap_id": "x" * 45},
                           headers=HX)
    assert response.status_code == 422
    with app.app_context():
        assert history(meeting.id, deputy) == [] and current(meeting.id, deputy) is None


@pytest.mark.parametrize("other", ["deputy", "meeting"])
def test_a_tap_id_recorded_for_another_deputy_or_meeting_is_a_conflict(app, client, login, door, other):
    meeting, staff, first, second = door["meeting"], door["staff"], door["deputies"][0], door["deputies"][1]
    tap_id = str(uuid.uuid4())
    mark_attendance(staff, meeting, first, P, tap=Tap(tap_id))
    db.session.commit()
    if other == "meeting":
        now = utcnow()
        target = create_meeting(staff, MeetingFields(meeting_kinds()[0], "另一个会议", now - timedelta(minutes=5),
                                                     now + timedelta(hours=1)), deputy_ids=[first])
        db.session.commit()
        target_id, deputy = target.id, first
    else:
        target_id, deputy = meeting.id, second
    version = db.session.get(Meeting, target_id).board_version
    login(door["infos"]["staff"])
    response = client.post(f"/meetings/{target_id}/attendance/{deputy}", data={"status": "late", "tap_id": tap_id.upper()},
                           headers=HX)
    assert response.status_code == 409
    assert "另一" in response.get_data(as_text=True) and "attendance-card" not in response.get_data(as_text=True)
    db.session.remove()
    assert history(target_id, deputy) == [] and current(target_id, deputy) is None
    assert db.session.get(Meeting, target_id).board_version == version


def test_a_tap_repeating_the_mark_writes_only_its_history(db, door):
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4())))
    db.session.commit()
    before = current(meeting.id, deputy)
    marked_at, tapped_at, version = before.marked_at, before.tapped_at, db.session.get(Meeting, meeting.id).board_version
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4())))
    db.session.commit()
    after = current(meeting.id, deputy)
    assert (after.status, after.marked_at, after.tapped_at) == (P, marked_at, tapped_at)
    assert db.session.get(Meeting, meeting.id).board_version == version
    assert [(c.new_status, c.applied) for c in history(meeting.id, deputy)] == [(P, True), (P, True)]


def test_a_repeated_mark_still_counts_as_the_latest_tap(db, door):
    """Present at 10:00, present again at 10:10, then a queued 'late' tapped at 10:05 arrives: present stays."""
    meeting, staff, deputy = door["meeting"], door["staff"], door["deputies"][0]
    at = utcnow() - timedelta(minutes=15)
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4()), at))
    mark_attendance(staff, meeting, deputy, P, tap=Tap(str(uuid.uuid4()), at + timedelta(minutes=10)))
    mark_attendance(staff, meeting, deputy, L, tap=Tap(str(uuid.uuid4()), at + timedelta(minutes=5)))
    db.session.commit()
    assert current(meeting.id, deputy).status is P
    assert [c.applied for c in history(meeting.id, deputy)] == [True, True, False]


# --- an idle poll answers its status alone ---------------------------------------------------------------

def test_an_idle_poll_answers_204_with_no_body_and_no_cookie_and_the_session_moves_on_every_few_minutes(app, client, door):
    import time_machine

    staff = door["infos"]["staff"]
    meeting = door["meeting"]
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert client.post("/login", data={"username": staff.username, "password": staff.password}).status_code == 302
        url = f"/meetings/{meeting.id}/attendance/changes?since={meeting.board_version}"
        client.get(url, headers=HX)  # the first answer after the login may carry it
        idle = client.get(url, headers=HX)
        assert (idle.status_code, idle.data, idle.headers.getlist("Set-Cookie")) == (204, b"", [])
        clock.shift(timedelta(seconds=app.config["SESSION_REFRESH_SECONDS"] + 1))
        later = client.get(url, headers=HX)
        assert later.status_code == 204 and later.data == b""
        assert any(cookie.startswith("session=") for cookie in later.headers.getlist("Set-Cookie"))
        assert client.get(url, headers=HX).headers.getlist("Set-Cookie") == []


def test_what_a_tap_runs_past_the_session_is_nothing_its_hooks_keep():
    """The tap's statements run on the session's connection, past its hooks (`marks._run_tap_statement`): each writes
    a table the audit log does not keep, or only the board's bookkeeping columns; kept tallies are only written for
    closed meetings, which a bump guarded on `closed` never reaches. A statement or column added there fails here."""
    from portal.auditing import BOOKKEEPING, _audited
    from portal.meetings import marks

    written = [marks._bare_bump_statement(reshaped, guarded) for reshaped in (False, True) for guarded in (False, True)]
    written += [marks._mark_statement(exists) for exists in (False, True)]
    for statement in written:
        model = next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == statement.table.name)
        columns = {getattr(column, "key", column) for column in statement._values}
        assert not _audited(model) or columns <= BOOKKEEPING, (model.__name__, sorted(columns))
        if model is Meeting:
            assert "closed" in str(statement.whereclause) and statement._execution_options.get("bookkeeping_only")
    assert {statement.table.name for statement in written} == {"meetings", "attendance"}
