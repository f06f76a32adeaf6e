"""The hand-made street the report tests read (a year of one deputy's work), more busy deputies, and a query count."""
import gc
from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, current_campaign, save_record, send_back_record
from portal.clock import to_utc
from portal.evaluations.services import record_evaluation
from portal.extensions import db as _db
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.meetings.models import AttendanceStatus, MeetingKind
from portal.meetings.marks import mark_attendance
from portal.meetings.services import MeetingFields, close_meeting, create_meeting, ensure_default_meeting_kinds
from portal.models import Community, Role, User
from portal.opinions.models import CollectionMethod
from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
from portal.suggestions.models import SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

from .conftest import shared_world

ANSWERED_ON = date(2025, 5, 20)  # the district's answer to 修复路面; it is entered on the day the test runs


def meeting(actor, kind_name: str, day: date, deputies: list[int], title: str = "会议"):
    """A meeting of the named kind at 9 o'clock on `day`, with the deputies on its roster."""
    kind = _db.session.scalar(select(MeetingKind).where(MeetingKind.name == kind_name))
    start = to_utc(datetime(day.year, day.month, day.day, 9))
    return create_meeting(actor, MeetingFields(kind, title, start, start.replace(hour=start.hour + 2), "居委会活动室"), deputies)


def build_street(app, make_user, make_community):
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
        transition(staff, adopted, SuggestionState.ADOPTED, SuggestionState.SUBMITTED, "区委采纳，交市政落实。", on=ANSWERED_ON)
        refused = create_suggestion(a, SuggestionFields("开早餐点", "建议开设便民早餐点", category, [a]), [second.id])
        transition(a, refused, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 5, 10))
        create_suggestion(a, SuggestionFields("草稿", "尚未上报", category, [a]))
        create_matter(staff, MatterFields("修复气象街30-54号路面", "气象街30-54号", community, [a], date(2025, 7, 31), MatterState.DONE))
        record_evaluation(staff, a, date(2025, 1, 1), date(2025, 12, 31), 8, 1, 1, evaluated_on=date(2025, 12, 20))
        _db.session.commit()
    return people


street = shared_world(build_street)


@pytest.fixture
def busy_deputies(app, make_user, make_community, street):
    """Adds three more deputies, each in a community of their own, with a year of every kind of work (some shared with 夏虹)."""

    def add() -> None:
        newcomers = [make_user(Role.DEPUTY, community_id=make_community()) for _ in range(3)]
        with app.app_context():
            staff, a = _db.session.get(User, street["staff"].id), _db.session.get(User, street["a"].id)
            categories = active_categories()
            campaign = current_campaign()
            for n, info in enumerate(newcomers):
                deputy, community, category = _db.session.get(User, info.id), _db.session.get(Community, info.community_id), categories[n + 1]
                for item in campaign.items:
                    save_record(deputy, item, deputy, RecordFields(date(2025, 7, 1), info.community_id, "做了。"), today_=date(2025, 12, 31))
                held = meeting(staff, ("代表与选民见面会", "走访", "集中活动")[n], date(2025, 8, n + 1), [deputy.id, a.id])
                mark_attendance(staff, held, deputy.id, AttendanceStatus.PRESENT)
                opinion = record_opinion(deputy, deputy, f"意见{n}", community, category, date(2025, 8, 1), CollectionMethod.VISIT)
                suggestion = create_suggestion(deputy, SuggestionFields(f"建议{n}", "内容", category, [deputy, a]), [opinion.id])
                transition(deputy, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 8, 2))
                answer = (SuggestionState.ADOPTED, "采纳") if n % 2 == 0 else (SuggestionState.NOT_ADOPTED, "暂不采纳")
                transition(staff, suggestion, answer[0], SuggestionState.SUBMITTED, answer[1], on=date(2025, 9, 1))
                create_matter(staff, MatterFields(f"实事{n}", "某楼", community, [deputy], date(2025, 9, 1), MatterState.DONE))
                record_evaluation(staff, deputy, date(2025, 1, 1), date(2025, 12, 31), 5, 0, 0, evaluated_on=date(2025, 12, 20))
            _db.session.commit()
            _db.session.expire_all()

    return add


def count_queries(client, url: str) -> int:
    """The statements one GET of `url` sends to the database (it must answer 200)."""
    # Objects the session no longer holds leave its identity map when the cycle collector runs; collect now so
    # the count does not depend on when it last ran (a loaded row reused or fetched again).
    gc.collect()
    count = [0]

    def listener(*_args, **_kwargs):
        count[0] += 1

    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    return count[0]
