"""The deputy's record (履职档案): every figure on hand-made data, who may see it, and its cost."""
from datetime import date, datetime
from fractions import Fraction

import pytest
from sqlalchemy import event, select

from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, save_record, send_back_record
from portal.clock import to_utc
from portal.evaluations.services import record_evaluation
from portal.extensions import db as _db
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.meetings.models import AttendanceStatus, MeetingKind
from portal.meetings.services import MeetingFields, close_meeting, create_meeting, ensure_default_meeting_kinds, mark_attendance
from portal.models import Community, DeputyProfile, Role, User
from portal.opinions.models import CollectionMethod
from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
from portal.periods import Period
from portal.reports.services import deputy_records
from portal.suggestions.models import SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def meeting(actor, kind_name: str, day: date, deputies: list[int], title: str = "会议"):
    kind = _db.session.scalar(select(MeetingKind).where(MeetingKind.name == kind_name))
    start = to_utc(datetime(day.year, day.month, day.day, 9))
    return create_meeting(actor, MeetingFields(kind, title, start, start.replace(hour=start.hour + 2), "居委会活动室"), deputies)


@pytest.fixture
def street(app, make_user, make_community):
    """Two deputies of 气象街 and one of 和平里, with a year of hand-made work by the first."""
    qx, hp = make_community("气象街社区"), make_community("和平里社区")
    people = {
        "a": make_user(Role.DEPUTY, name="夏虹", community_id=qx),
        "b": make_user(Role.DEPUTY, name="王明", community_id=qx),
        "c": make_user(Role.DEPUTY, name="李华", community_id=hp),
        "staff": make_user(Role.STAFF, username="office"),
        "qx": qx,
        "hp": hp,
    }
    with app.app_context():
        ensure_default_categories()
        ensure_default_meeting_kinds()
        staff, a, b = (_db.session.get(User, people[k].id) for k in ("staff", "a", "b"))
        community = _db.session.get(Community, qx)
        category = active_categories()[0]
        campaign = create_campaign(CampaignFields("2025年建言献策活动", date(2025, 1, 1), date(2025, 12, 31), "", True))
        today = date(2025, 12, 31)
        save_record(a, campaign.items[0], a, RecordFields(date(2025, 3, 2), qx, "在社区体验一天。"), today_=today)
        save_record(a, campaign.items[1], a, RecordFields(date(2025, 5, 2), qx, "讲了一堂课。"), today_=today)
        lecture = save_record(b, campaign.items[1], b, RecordFields(date(2025, 5, 2), qx, "讲课。"), today_=today)
        send_back_record(staff, lecture, "请补充听课人数。")
        voters = meeting(staff, "代表与选民见面会", date(2025, 4, 1), [a.id, b.id], "见面会")
        mark_attendance(staff, voters, a.id, AttendanceStatus.PRESENT)
        mark_attendance(staff, voters, b.id, AttendanceStatus.ABSENT)
        work = meeting(staff, "工委工作会议", date(2025, 6, 1), [a.id, b.id], "工作会议")
        mark_attendance(staff, work, a.id, AttendanceStatus.EXCUSED, "出差")
        mark_attendance(staff, work, b.id, AttendanceStatus.LATE)
        close_meeting(staff, work)
        meeting(staff, "工委工作会议", date(2026, 2, 1), [a.id, b.id], "明年的会议")
        first = record_opinion(a, a, "路面坑洼", community, category, date(2025, 4, 1), CollectionMethod.MEETING)
        second = record_opinion(a, a, "缺少早餐点", community, category, date(2025, 4, 2), CollectionMethod.VISIT)
        record_opinion(a, a, "去年的意见", community, category, date(2024, 12, 30), CollectionMethod.VISIT)
        adopted = create_suggestion(a, SuggestionFields("修复路面", "建议修复气象街路面", category, [a, b]), [first.id])
        transition(a, adopted, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 4, 10))
        transition(staff, adopted, SuggestionState.ADOPTED, SuggestionState.SUBMITTED, "区委采纳，交市政落实。")
        refused = create_suggestion(a, SuggestionFields("开早餐点", "建议开设便民早餐点", category, [a]), [second.id])
        transition(a, refused, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 5, 10))
        create_suggestion(a, SuggestionFields("草稿", "尚未上报", category, [a]))
        create_matter(staff, MatterFields("修复气象街30-54号路面", "气象街30-54号", community, [a], date(2025, 7, 31), MatterState.DONE))
        record_evaluation(staff, a, date(2025, 1, 1), date(2025, 12, 31), 8, 1, 1, evaluated_on=date(2025, 12, 20))
        _db.session.commit()
    return people


def record_of(people, key: str, period: Period = YEAR):
    return deputy_records([_db.session.get(DeputyProfile, people[key].id)], period)[0]


@pytest.mark.postgres
def test_record_figures_from_hand_made_data(app, street):
    with app.app_context():
        record = record_of(street, "a")
        [part] = record.campaigns
        assert (part.progress.done, part.progress.total) == (2, 4)
        assert [r.account if r else None for _item, r in part.items] == ["在社区体验一天。", "讲了一堂课。", None, None]
        t = record.attendance
        assert (t.expected, t.attended, t.excused, t.absent) == (2, 1, 1, 0) and t.rate == Fraction(1, 2)
        assert [(m.meeting.title, m.status) for m in record.meetings] == [
            ("见面会", AttendanceStatus.PRESENT), ("工作会议", AttendanceStatus.EXCUSED)]
        assert [m.meeting.title for m in record.voter_meetings] == ["见面会"]
        assert [o.content for o in record.opinions] == ["路面坑洼", "缺少早餐点"]
        assert [(o.suggestion.title, o.answer.note if o.answer else None) for o in record.suggestions] == [
            ("修复路面", "区委采纳，交市政落实。"), ("开早餐点", None)]
        assert record.adopted == 1
        assert [m.title for m in record.matters] == ["修复气象街30-54号路面"]
        [(evaluation, rating)] = record.evaluations
        assert evaluation.satisfaction == Fraction(4, 5) and rating.value == "competent"


def test_a_sent_back_item_and_a_co_proposed_suggestion(app, street):
    with app.app_context():
        record = record_of(street, "b")
        assert record.campaigns[0].progress.done == 0  # sent back: not done
        assert [o.suggestion.title for o in record.suggestions] == ["修复路面"]
        assert (record.attendance.expected, record.attendance.attended) == (2, 1)
        assert record.voter_meetings == [] and record.opinions == []


def test_a_period_outside_the_work_is_empty(app, street):
    with app.app_context():
        record = record_of(street, "a", Period(date(2024, 1, 1), date(2024, 12, 31)))
        assert record.campaigns == [] and record.attendance.expected == 0
        assert [o.content for o in record.opinions] == ["去年的意见"]
        assert record.suggestions == [] and record.matters == [] and record.evaluations == []


def test_the_record_page_shows_the_figures(client, login, street):
    login(street["a"])
    page = client.get("/reports/deputies/%d?start=2025-01-01&end=2025-12-31" % street["a"].id).get_data(as_text=True)
    assert '<span class="figure" data-figure="four-ones">2 / 4</span>' in page
    assert '<span class="figure" data-figure="attendance">50.0%</span>' in page
    assert '<span class="figure" data-figure="suggestions">1 / 2</span>' in page
    assert "区委采纳，交市政落实。" in page and "修复气象街30-54号路面" in page and "去年的意见" not in page


def test_a_deputy_cannot_see_another_deputys_record(client, login, street):
    login(street["a"])
    response = client.get("/reports/deputies/%d" % street["b"].id)
    assert response.status_code == 404 and "王明" not in response.get_data(as_text=True)
    assert client.get("/reports/deputies").status_code == 403


def test_staff_print_every_record_of_a_community(client, login, street):
    login(street["staff"])
    page = client.get("/reports/deputies?start=2025-01-01&end=2025-12-31&community=%d" % street["qx"]).get_data(as_text=True)
    assert page.count('class="deputy-record"') == 2
    assert "夏虹" in page and "王明" in page and "李华" not in page
    everyone = client.get("/reports/deputies?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert everyone.count('class="deputy-record"') == 3


def _count_queries(client, url: str) -> int:
    count = [0]

    def listener(*_args, **_kwargs):
        count[0] += 1

    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    return count[0]


def test_record_pages_cost_the_same_at_two_scales(app, client, login, make_user, make_community, street):
    """Three more busy deputies, each in a community of their own, add rows to every part of the print, not queries."""
    login(street["staff"])
    urls = ["/reports/deputies?start=2025-01-01&end=2025-12-31", "/reports/deputies/%d?start=2025-01-01&end=2025-12-31" % street["a"].id]
    with app.app_context():
        before = [_count_queries(client, url) for url in urls]
    newcomers = [make_user(Role.DEPUTY, community_id=make_community()) for _ in range(3)]
    with app.app_context():
        staff = _db.session.get(User, street["staff"].id)
        categories = active_categories()
        campaign = create_campaign(CampaignFields("第二个活动", date(2025, 6, 1), date(2025, 12, 31), "", True))
        for n, info in enumerate(newcomers):
            deputy, community, category = _db.session.get(User, info.id), _db.session.get(Community, info.community_id), categories[n + 1]
            for item in campaign.items:
                save_record(deputy, item, deputy, RecordFields(date(2025, 7, 1), info.community_id, "做了。"), today_=date(2025, 12, 31))
            held = meeting(staff, ("代表与选民见面会", "走访", "集中活动")[n], date(2025, 8, n + 1), [deputy.id, street["a"].id])
            mark_attendance(staff, held, deputy.id, AttendanceStatus.PRESENT)
            opinion = record_opinion(deputy, deputy, f"意见{n}", community, category, date(2025, 8, 1), CollectionMethod.VISIT)
            suggestion = create_suggestion(deputy, SuggestionFields(f"建议{n}", "内容", category, [deputy, _db.session.get(User, street["a"].id)]), [opinion.id])
            transition(deputy, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 8, 2))
            transition(staff, suggestion, SuggestionState.NOT_ADOPTED, SuggestionState.SUBMITTED, "暂不采纳")
            create_matter(staff, MatterFields(f"实事{n}", "某楼", community, [deputy], date(2025, 9, 1), MatterState.DONE))
            record_evaluation(staff, deputy, date(2025, 1, 1), date(2025, 12, 31), 5, 0, 0, evaluated_on=date(2025, 12, 20))
        _db.session.commit()
        _db.session.expire_all()
        after = [_count_queries(client, url) for url in urls]
    assert after == before
