"""Meeting pages per role: create, mark on the tablet (htmx and plain), check in by QR, logs, exports, rates."""
import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from portal.clock import local_day_start, local_today
from portal.extensions import db
from portal.htmx import url_template
from portal.meetings.models import Attendance, AttendanceStatus, Meeting
from portal.meetings.marks import mark_attendance
from portal.meetings.checkin import checkin_token
from portal.meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
    set_roster,
)
from portal.models import Role, User, utcnow
from portal.opinions.models import Opinion
from portal.opinions.services import active_categories, ensure_default_categories

from .conftest import shared_world

HX = {"HX-Request": "true"}


def build_world(app, make_user, make_community):
    community = make_community("气象街社区")
    people = {
        "staff": make_user(Role.STAFF), "admin": make_user(Role.ADMIN),
        "xia": make_user(Role.DEPUTY, name="夏虹", community_id=community),
        "wang": make_user(Role.DEPUTY, name="王建国", community_id=community),
        "other": make_user(Role.DEPUTY, name="李秀英"),
    }
    with app.app_context():
        ensure_default_meeting_kinds()
        ensure_default_categories()
        db.session.commit()
    people["community"] = community
    return people


world = shared_world(build_world)


def new_meeting(app, world, kind_index=0, start=None, roster=("xia", "wang"), closed=False, **kw) -> int:
    with app.app_context():
        start = start or utcnow() - timedelta(minutes=5)
        staff = db.session.get(User, world["staff"].id)
        meeting = create_meeting(staff, MeetingFields(meeting_kinds()[kind_index], kw.pop("title", "工委工作会议"), start,
                                                      start + timedelta(hours=2), **kw))
        set_roster(meeting, [world[key].id for key in roster])
        if closed:
            close_meeting(staff, meeting)
        db.session.commit()
        return meeting.id


def status_of(app, meeting_id, user):
    with app.app_context():
        row = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting_id, Attendance.deputy_id == user.id))
        return (row.status, row.reason, row.source.value) if row else None


def test_staff_creates_a_meeting_in_local_time(app, client, login, world):
    login(world["staff"])
    with app.app_context():
        kind_id = meeting_kinds()[0].id
    page = client.get("/meetings/new").get_data(as_text=True)
    assert "新建会议" in page and "开始时间" in page
    response = client.post("/meetings/new", data={
        "kind": kind_id, "title": "三月工委工作会议", "starts_at": "2026-03-02T09:00", "ends_at": "2026-03-02T11:30",
        "place": "街道会议室", "community": 0, "notes": ""})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        assert meeting.starts_at == datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
        assert {r.deputy_id for r in meeting.roster} == {world["xia"].id, world["wang"].id, world["other"].id}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "三月工委工作会议" in page and "09:00" in page


def test_end_before_start_is_refused_in_chinese_and_keeps_the_input(app, client, login, world):
    login(world["staff"])
    with app.app_context():
        kind_id = meeting_kinds()[0].id
    response = client.post("/meetings/new", data={
        "kind": kind_id, "title": "倒着开的会", "starts_at": "2026-03-02T09:00", "ends_at": "2026-03-02T08:00", "community": 0})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "结束时间必须晚于开始时间。" in page and 'value="倒着开的会"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_htmx_mark_returns_the_card_and_the_tally_out_of_band(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    page = client.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    assert 'data-pinyin="xia hong|' in page and "js/attendance.js" in page and 'data-changes-url=' in page
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data={"status": "late"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith(f'<article id="card-{world["xia"].id}"') and "mark-late" in body
    assert f'id="tally-{meeting_id}"' in body and 'hx-swap-oob="true"' in body
    assert re.search(r'data-tally="late">1<', body) and re.search(r'data-tally="unmarked">1<', body)
    assert "50.0%" in body
    assert status_of(app, meeting_id, world["xia"]) == (AttendanceStatus.LATE, "", "staff")


def test_the_board_sends_each_card_its_own_mark_url(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    page = client.get(f"/meetings/{meeting_id}/attendance").get_data(as_text=True)
    # The buttons' template (attendance.js puts each card's id in) and, after a tap, the card's own form.
    assert f'action="/meetings/{meeting_id}/attendance/{{id}}"' in page.split('<template id="card-actions">')[1]
    card = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data={"status": "late"}, headers=HX)
    assert f'action="/meetings/{meeting_id}/attendance/{world["xia"].id}"' in card.get_data(as_text=True)


def test_a_url_template_leaves_exactly_its_argument_to_fill(app):
    with app.test_request_context():
        assert url_template("meetings.mark", "deputy_id", meeting_id=10) == "/meetings/10/attendance/{id}"
        assert url_template("meetings.mark", "deputy_id", meeting_id=10).replace("{id}", "7") == url_for(
            "meetings.mark", meeting_id=10, deputy_id=7)
        with pytest.raises(ValueError):  # the sentinel spelt twice: refused rather than guessed
            url_template("meetings.mark", "deputy_id", meeting_id=9_223_372_036_854_775_807)


def test_leave_without_reason_is_refused_on_the_card(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data={"status": "excused", "reason": " "}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写请假事由。" in body and "<details class=\"leave\" open>" in body
    assert re.search(r'aria-invalid="true" aria-describedby="reason-error-\d+">\s*<small id="reason-error-\d+" class="field-error">请填写请假事由。', body)
    assert status_of(app, meeting_id, world["xia"]) is None
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data={"status": "excused", "reason": "出差"}, headers=HX)
    assert response.status_code == 200 and "出差" in response.get_data(as_text=True)
    assert status_of(app, meeting_id, world["xia"]) == (AttendanceStatus.EXCUSED, "出差", "staff")


@pytest.mark.parametrize("data", [{"status": "vanished"}, {"status": ""}, {}])
def test_an_unknown_status_is_refused_and_nothing_written(app, client, login, world, data):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data=data, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择有效的考勤状态。" in body and f'id="card-{world["xia"].id}"' in body
    assert status_of(app, meeting_id, world["xia"]) is None


def test_plain_mark_redirects_and_errors_are_flashed(app, client, login, world):
    meeting_id = new_meeting(app, world, closed=True)
    login(world["staff"])
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['xia'].id}", data={"status": "present"})
    assert response.status_code == 302 and f"/meetings/{meeting_id}/attendance" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "名单和考勤不能再修改" in page
    assert status_of(app, meeting_id, world["xia"]) is None


def test_marking_someone_off_the_roster_is_refused(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    response = client.post(f"/meetings/{meeting_id}/attendance/{world['other'].id}", data={"status": "present"}, headers=HX)
    assert response.status_code == 422 and "不在本次会议的应到名单中" in response.get_data(as_text=True)


def test_poll_answers_204_when_nothing_changed_else_only_the_changed_cards_and_tally(app, client, login, world):
    meeting_id = new_meeting(app, world)
    with app.app_context():
        version = db.session.get(Meeting, meeting_id).board_version
    login(world["staff"])
    url = f"/meetings/{meeting_id}/attendance/changes?since={version}"
    idle = client.get(url, headers=HX)
    assert idle.status_code == 204 and idle.data == b""
    with app.app_context():
        mark_attendance(db.session.get(User, world["staff"].id), db.session.get(Meeting, meeting_id), world["wang"].id,
                        AttendanceStatus.ABSENT)
        db.session.commit()
    changed = client.get(url, headers=HX)
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and int(changed.headers["X-Board-Version"]) == version + 1
    assert f'id="card-{world["wang"].id}"' in body and "mark-absent" in body and 'data-tally="absent">1<' in body
    assert f'id="card-{world["xia"].id}"' not in body and "attendance-grid" not in body
    follow = client.get(f"/meetings/{meeting_id}/attendance/changes?since={version + 1}", headers=HX)
    assert follow.status_code == 204
    whole = client.get(f"/meetings/{meeting_id}/attendance/changes?since=-1", headers=HX).get_data(as_text=True)
    assert f'id="cards-{meeting_id}"' in whole and f'id="card-{world["xia"].id}"' in whole


def test_staff_close_and_only_admin_reopens(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    client.post(f"/meetings/{meeting_id}/close")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "已关闭" in page and "重新开启会议" not in page and "签到二维码" not in page
    assert client.post(f"/meetings/{meeting_id}/reopen").status_code == 403
    login(world["admin"])
    client.post(f"/meetings/{meeting_id}/reopen")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "重新开启人" in page and "关闭会议" in page


def test_detail_shows_a_qr_code_without_inline_styles(app, client, login, world):
    meeting_id = new_meeting(app, world, fixed_checkin_code=True)  # a fixed code also shows its link
    login(world["staff"])
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "style=" not in svg and "<path" in svg
    with app.app_context():
        token = checkin_token(db.session.get(Meeting, meeting_id))
    assert f"/meetings/{meeting_id}/checkin/{token}" in page


def test_deputy_sees_only_rostered_meetings_and_own_mark(app, client, login, world):
    mine = new_meeting(app, world, title="我在名单上的会")
    not_mine = new_meeting(app, world, title="与我无关的会", roster=("wang",))
    with app.app_context():
        mark_attendance(db.session.get(User, world["staff"].id), db.session.get(Meeting, mine), world["xia"].id,
                        AttendanceStatus.EXCUSED, "住院")
        db.session.commit()
    login(world["xia"])
    listing = client.get("/meetings/").get_data(as_text=True)
    assert "我在名单上的会" in listing and "与我无关的会" not in listing and "请假" in listing
    page = client.get(f"/meetings/{mine}").get_data(as_text=True)
    assert "我的考勤" in page and "住院" in page and "王建国" not in page and "<svg" not in page
    assert client.get(f"/meetings/{not_mine}").status_code == 404
    assert client.post(f"/meetings/{mine}/attendance/{world['xia'].id}", data={"status": "present"}).status_code == 403


def test_meeting_list_filters_by_kind_and_month(app, client, login, world):
    new_meeting(app, world, kind_index=0, title="一月工作会", start=datetime(2026, 1, 10, 1, tzinfo=timezone.utc))
    new_meeting(app, world, kind_index=2, title="二月走访", start=datetime(2026, 2, 10, 1, tzinfo=timezone.utc))
    with app.app_context():
        visit = meeting_kinds()[2].id
    login(world["staff"])
    page = client.get("/meetings/?month=2026-02").get_data(as_text=True)
    assert "二月走访" in page and "一月工作会" not in page
    page = client.get(f"/meetings/?kind={visit}").get_data(as_text=True)
    assert "二月走访" in page and "一月工作会" not in page


def list_statements(app, client) -> tuple[int, str]:
    """The SQL statements the meetings list runs, counted by a cursor listener on the engine."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/meetings/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "xia"])
def test_meeting_list_runs_as_many_queries_for_30_meetings_as_for_3(app, client, login, world, make_community, role):
    def add_meetings(first, last):
        for n in range(first, last):
            community_id = make_community(f"第{n}社区")
            meeting_id = new_meeting(app, world, kind_index=n % 3, title=f"例会{n:02d}", start=utcnow() - timedelta(days=n))
            with app.app_context():
                meeting = db.session.get(Meeting, meeting_id)
                meeting.community_id = community_id
                mark_attendance(db.session.get(User, world["staff"].id), meeting, world["xia"].id,
                                AttendanceStatus.LATE)
                db.session.commit()

    login(world[role])
    add_meetings(0, 3)
    small, page = list_statements(app, client)
    assert "例会02" in page and "第2社区" in page
    add_meetings(3, 30)
    large, page = list_statements(app, client)
    assert "例会24" in page and "第24社区" in page and "例会25" not in page
    assert large == small


def checkin_url(app, meeting_id):
    with app.app_context():
        return f"/meetings/{meeting_id}/checkin/{checkin_token(db.session.get(Meeting, meeting_id))}"


def test_check_in_through_login_confirm_and_post(app, client, world):
    meeting_id = new_meeting(app, world)
    url = checkin_url(app, meeting_id)
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    response = client.post(response.headers["Location"], data={"username": world["xia"].username, "password": world["xia"].password})
    assert response.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "确认签到" in page and "夏虹" in page
    page = client.post(url).get_data(as_text=True)
    assert "签到成功" in page and "出席" in page
    assert status_of(app, meeting_id, world["xia"]) == (AttendanceStatus.PRESENT, "", "self_checkin")


@pytest.mark.parametrize(("case", "status", "text"), [
    ("forged", 400, "签到码无效"), ("other", 400, "另一次会议"), ("not_rostered", 403, "不在本次会议的应到名单中"),
    ("expired", 400, "签到已经结束"),
])
def test_check_in_refusal_pages(app, client, login, world, case, status, text):
    start = utcnow() - timedelta(hours=3) if case == "expired" else None
    meeting_id = new_meeting(app, world, start=start)
    other_id = new_meeting(app, world)
    url = checkin_url(app, meeting_id)
    user = world["other"] if case == "not_rostered" else world["xia"]
    if case == "forged":
        url = url[:-3] + "xyz"
    elif case == "other":
        url = url.replace(f"/meetings/{meeting_id}/", f"/meetings/{other_id}/")
    login(user)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == status and text in response.get_data(as_text=True)
    assert status_of(app, meeting_id, user) is None


def test_staff_cannot_use_the_check_in_url(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    assert client.post(checkin_url(app, meeting_id)).status_code == 403


def test_voter_meeting_log_and_inline_opinions(app, client, login, world):
    with app.app_context():
        community = world["community"]
    meeting_id = new_meeting(app, world, kind_index=1, title="选民见面会", start=utcnow() - timedelta(hours=3))
    login(world["staff"])
    response = client.post(f"/meetings/{meeting_id}/voter-log", data={"voter_count": "42", "answers": "已答复"})
    assert response.status_code == 302
    with app.app_context():
        category = active_categories()[2].id
    response = client.post(f"/meetings/{meeting_id}/opinions", headers=HX, data={
        "content": "小区停车难", "category": category, "deputy": world["wang"].id, "community": 0})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith('<section id="meeting-opinions">') and "小区停车难" in body
    response = client.post(f"/meetings/{meeting_id}/opinions", headers=HX, data={
        "content": "", "category": category, "deputy": world["wang"].id, "community": 0})
    assert response.status_code == 422 and "请填写意见内容。" in response.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting_id}/opinions", headers=HX, data={
        "content": "路灯不亮", "category": category, "deputy": world["other"].id, "community": 0})
    assert response.status_code == 422
    with app.app_context():
        opinions = db.session.scalars(select(Opinion)).all()
        assert [(o.content, o.meeting_id, o.community_id) for o in opinions] == [("小区停车难", meeting_id, community)]
        assert db.session.get(Meeting, meeting_id).voter_count == 42
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "选民提出的意见（1 条）" in page and "已答复" in page


def test_sign_in_sheet_and_exports(app, client, login, world):
    meeting_id = new_meeting(app, world)
    with app.app_context():
        staff, meeting = db.session.get(User, world["staff"].id), db.session.get(Meeting, meeting_id)
        mark_attendance(staff, meeting, world["xia"].id, AttendanceStatus.PRESENT)
        mark_attendance(staff, meeting, world["wang"].id, AttendanceStatus.EXCUSED, "出差")
        db.session.commit()
    login(world["staff"])
    page = client.get(f"/meetings/{meeting_id}/sheet").get_data(as_text=True)
    assert "签到表" in page and "签名" in page and "夏虹" in page and "出差" in page
    response = client.get(f"/meetings/{meeting_id}/export.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["姓名", "级别", "社区", "状态"]
    assert {tuple(r[:1] + r[3:5]) for r in rows[1:3]} == {("夏虹", "出席", ""), ("王建国", "请假", "出差")}
    assert rows[-1] == ["2", "1", "0", "0", "1", "0", "0", "0.5"]
    book = load_workbook(io.BytesIO(client.get(f"/meetings/{meeting_id}/export.xlsx").data))
    assert book.active["A2"].value in {"夏虹", "王建国"} and book.active.max_row == 6
    assert client.get(f"/meetings/{meeting_id}/export.pdf").status_code == 404


def test_rates_page_profile_and_export(app, client, login, world):
    new_year = date(local_today().year, 1, 1)  # closed meetings on 1 January count for this year whatever today is
    ids = [new_meeting(app, world, start=local_day_start(new_year) + timedelta(hours=9 + 2 * i)) for i in range(3)]
    with app.app_context():
        staff = db.session.get(User, world["staff"].id)
        for meeting_id, status in zip(ids, [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT]):
            mark_attendance(staff, db.session.get(Meeting, meeting_id), world["xia"].id, status)
            close_meeting(staff, db.session.get(Meeting, meeting_id))
        db.session.commit()
    start = new_year.isoformat()
    login(world["staff"])
    page = client.get(f"/meetings/rates?start={start}").get_data(as_text=True)
    assert "66.7%" in page and "出席率" in page
    book = load_workbook(io.BytesIO(client.get(f"/meetings/rates/export.xlsx?start={start}").data))
    rows = {row[0]: row for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert rows["夏虹"][4] == 3 and rows["夏虹"][11] == 2 and rows["夏虹"][12] == pytest.approx(0.6667)
    text = client.get(f"/meetings/rates/export.csv?start={start}").get_data(as_text=True)
    assert "夏虹" in text and ",0.6667" in text
    page = client.get("/meetings/rates?start=2026-05-01&end=2026-04-01").get_data(as_text=True)
    assert "截止日期不能早于起始日期。" in page
    login(world["xia"])
    page = client.get(f"/deputies/{world['xia'].id}").get_data(as_text=True)
    assert "本年度考勤" in page and "66.7%" in page and "2 / 3" in page
    assert "本年度考勤" in client.get("/me").get_data(as_text=True)


def test_admin_edits_meeting_kinds(app, client, login, world):
    login(world["admin"])
    response = client.post("/meetings/kinds", data={"name": "视察", "voter_log": "y"})
    assert response.status_code == 302
    assert "视察" in client.get("/meetings/kinds").get_data(as_text=True)
    page = client.post("/meetings/kinds", data={"name": "走访"}).get_data(as_text=True)
    assert "该名称已被使用。" in page
    with app.app_context():
        kind_id = next(k.id for k in meeting_kinds() if k.name == "培训学习")
    client.post(f"/meetings/kinds/{kind_id}/edit", data={"name": "培训/学习"})  # active unticked: retired
    with app.app_context():
        assert "培训/学习" not in [k.name for k in meeting_kinds()]


# --- rotating check-in code ------------------------------------------------------------------------------------

def test_the_screen_polls_a_rotating_code_and_a_fixed_one_stays(app, client, login, world):
    from portal.meetings.checkin import checkin_step

    rotating = new_meeting(app, world)
    fixed = new_meeting(app, world, title="张贴通知的会", fixed_checkin_code=True)
    login(world["staff"])
    page = client.get(f"/meetings/{rotating}").get_data(as_text=True)
    assert f'hx-get="/meetings/{rotating}/checkin-code?step=' in page and "秒更换一次" in page
    assert f"/meetings/{rotating}/checkin/" not in page.split("<svg", 1)[0]  # no copyable link for a rotating code
    with app.app_context():
        step = checkin_step()
    poll = client.get(f"/meetings/{rotating}/checkin-code?step={step}", headers={"HX-Request": "true"})
    if poll.status_code != 204:  # the step turned between the two lines: the next poll is quiet
        poll = client.get(f"/meetings/{rotating}/checkin-code?step={step + 1}", headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll.get_data() == b""
    fresh = client.get(f"/meetings/{rotating}/checkin-code?step={step - 5}", headers={"HX-Request": "true"})
    assert fresh.status_code == 200 and "<svg" in fresh.get_data(as_text=True) and 'id="checkin-code"' in fresh.get_data(as_text=True)
    page = client.get(f"/meetings/{fixed}").get_data(as_text=True)
    assert "checkin-code?step" not in page and "可以打印在通知上" in page
    assert client.get(f"/meetings/{fixed}/checkin-code").status_code == 204


def test_staff_choose_a_fixed_code_on_the_meeting_form(app, client, login, world):
    meeting_id = new_meeting(app, world)
    login(world["staff"])
    form = client.get(f"/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert 'name="fixed_checkin_code"' in form
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        data = {"kind": meeting.kind_id, "title": meeting.title, "starts_at": "2026-03-01T09:00",
                "ends_at": "2026-03-01T11:00", "fixed_checkin_code": "y"}
    assert client.post(f"/meetings/{meeting_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).fixed_checkin_code is True


def test_a_photo_of_an_old_rotating_code_does_not_check_in(app, client, login, world):
    from portal.meetings.checkin import checkin_token as token_at

    meeting_id = new_meeting(app, world)
    with app.app_context():
        old = token_at(db.session.get(Meeting, meeting_id), utcnow() - timedelta(minutes=5))
    login(world["xia"])
    page = client.get(f"/meetings/{meeting_id}/checkin/{old}")
    assert page.status_code == 400 and "已过期" in page.get_data(as_text=True)
    assert client.post(f"/meetings/{meeting_id}/checkin/{old}").status_code == 400
    assert status_of(app, meeting_id, world["xia"]) is None
    url = checkin_url(app, meeting_id)
    page = client.get(url).get_data(as_text=True)
    assert 'name="confirmation"' in page
