"""A record counts a deputy who was one on the record's own day: last year's ledgers bring in the history of
deputies who have left since, refuse a record dated after they left, and a move changes nothing on either side."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import local_today, to_utc
from portal.extensions import db as _db
from portal.models import Community, Role, User
from portal.periods import Period

pytestmark = pytest.mark.postgres  # each row's savepoint and the membership subqueries

NOT_SERVING = "该代表在这一天不是在任代表。"
YEAR = local_today().year - 1
LAST_YEAR = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))


@pytest.fixture
def street(db, make_user, make_community):
    """孔祥瑞 was a deputy until 30 June last year; 王建国 moved from 气象街 to 东风 on 1 July; 夏虹 serves throughout."""
    from portal.accounts.memberships import end_membership, move_deputy
    from portal.meetings.services import ensure_default_meeting_kinds
    from portal.opinions.services import ensure_default_categories

    qxj, dfs = make_community("气象街社区"), make_community("东风社区")
    make_user(Role.DEPUTY, username="xia", name="夏虹", community_id=qxj)
    former = make_user(Role.DEPUTY, username="kong", name="孔祥瑞", community_id=qxj)
    moved = make_user(Role.DEPUTY, username="wang", name="王建国", community_id=qxj)
    staff = make_user(Role.STAFF, username="office", name="办公室")
    ensure_default_meeting_kinds()
    ensure_default_categories()
    kong = _db.session.get(User, former.id)
    end_membership(kong, date(YEAR, 6, 30))
    kong.active = False
    wang = _db.session.get(User, moved.id)
    move_deputy(wang, _db.session.get(Community, dfs), date(YEAR, 7, 1))
    wang.deputy.community_id = dfs
    db.session.commit()
    return staff


def run_import(filename: str, text: str):
    """Import a CSV ledger as the office and commit it when every row is good."""
    from portal.importing import read_sheets
    from portal.ledger.services import import_ledger

    staff = _db.session.scalar(select(User).where(User.username == "office"))
    result = import_ledger(staff, read_sheets(filename, text.encode()))
    if result.errors:
        _db.session.rollback()
    else:
        _db.session.commit()
    return result


def errors_of(result) -> dict:
    return {(e.line, e.column): e.message for e in result.errors}


OPINIONS = "编号,收集日期,人大代表,社区,领域,意见内容,收集方式\n"
SUGGESTIONS = "编号,标题,领域,社区,人大代表,上报日期,内容\n"
MEETINGS = "编号,类型,标题,开始时间,结束时间,人大代表,状态,原因\n"
EVALUATIONS = "编号,姓名,社区,起始日期,截止日期,满意,基本满意,不满意,评议日期\n"
MATTERS = "编号,日期,标题,地点,社区,状态,人大代表\n"


def test_a_former_deputys_history_imports_and_counts_in_its_period(app, client, login, street):
    from portal.meetings.rates import attendance_rates
    from portal.reports.figures import committee_figures
    from portal.suggestions.adoption import adoption_by_deputy

    assert not run_import("意见.csv", OPINIONS + f"TZ-1,{YEAR}-03-02,孔祥瑞,气象街社区,社区建设,路灯不亮,走访\n").errors
    assert not run_import("建言.csv", SUGGESTIONS + f"TZ-2,修路灯的建议,社区建设,气象街社区,孔祥瑞,{YEAR}-03-20,修路灯\n").errors
    assert not run_import("会议.csv", MEETINGS + f"TZ-3,工委工作会议,工作会议,{YEAR}-04-01 09:00,{YEAR}-04-01 11:00,孔祥瑞,出席,\n"
                                      f"TZ-3,工委工作会议,工作会议,{YEAR}-04-01 09:00,{YEAR}-04-01 11:00,夏虹,请假,出差\n").errors
    assert not run_import("评议.csv", EVALUATIONS + f"TZ-4,孔祥瑞,气象街社区,{YEAR}-01-01,{YEAR}-06-30,20,3,1,{YEAR}-06-20\n").errors
    assert not run_import("实事.csv", MATTERS + f"TZ-5,{YEAR}-05-08,修路灯,气象街,气象街社区,已办结,孔祥瑞\n").errors

    figures = committee_figures(LAST_YEAR)
    assert (figures.opinions, figures.submitted, figures.matters_done, figures.ballots, figures.satisfied) == (1, 1, 1, 24, 20)
    assert (figures.attendance.expected, figures.attendance.present, figures.attendance.excused) == (2, 1, 1)
    rates = {row.deputy.name: row.tally for row in attendance_rates(LAST_YEAR)}
    assert (rates["孔祥瑞"].expected, rates["孔祥瑞"].present) == (1, 1)
    assert "孔祥瑞" in [row.label for row in adoption_by_deputy(LAST_YEAR)]

    login(street)
    page = client.get(f"/meetings/rates?start={YEAR}-01-01&end={YEAR}-12-31")
    assert page.status_code == 200 and "孔祥瑞" in page.get_data(as_text=True)
    this_year = client.get("/meetings/rates")
    assert "孔祥瑞" not in this_year.get_data(as_text=True)


@pytest.mark.parametrize(("filename", "text", "column"), [
    ("意见.csv", OPINIONS + f"TZ-1,{YEAR}-08-02,孔祥瑞,气象街社区,社区建设,路灯不亮,走访\n", "C（人大代表）"),
    ("建言.csv", SUGGESTIONS + f"TZ-2,修路灯的建议,社区建设,气象街社区,夏虹、孔祥瑞,{YEAR}-07-01,修路灯\n", "E（人大代表）"),
    ("评议.csv", EVALUATIONS + f"TZ-4,孔祥瑞,气象街社区,{YEAR}-01-01,{YEAR}-12-31,20,3,1,{YEAR}-12-20\n", "B（姓名）"),
    ("实事.csv", MATTERS + f"TZ-5,{YEAR}-09-08,修路灯,气象街,气象街社区,已办结,孔祥瑞\n", "G（人大代表）"),
])
def test_a_record_dated_after_the_membership_ended_is_refused_at_its_row(street, filename, text, column):
    result = run_import(filename, text)
    assert errors_of(result) == {(2, column): NOT_SERVING}


def test_a_meeting_row_after_the_membership_ended_is_refused_at_its_own_line(street):
    from portal.meetings.models import Meeting

    rows = [f"TZ-3,工委工作会议,工作会议,{YEAR}-07-01 09:00,{YEAR}-07-01 11:00,{name},出席," for name in ("夏虹", "孔祥瑞")]
    result = run_import("会议.csv", MEETINGS + "\n".join(rows) + "\n")
    assert errors_of(result) == {(3, "F（人大代表）"): NOT_SERVING}
    assert _db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_moved_deputy_counts_on_both_sides_of_the_move(street):
    from portal.meetings.rates import attendance_rates
    from portal.reports.figures import committee_figures
    from portal.suggestions.adoption import opinions_by_community

    assert not run_import("意见.csv", OPINIONS + f"TZ-1,{YEAR}-06-02,王建国,气象街社区,社区建设,路灯不亮,走访\n"
                                      f"TZ-2,{YEAR}-08-02,王建国,东风社区,社区建设,停车难,走访\n").errors
    assert not run_import("会议.csv", MEETINGS + f"TZ-3,工委工作会议,春季会议,{YEAR}-06-10 09:00,{YEAR}-06-10 11:00,王建国,出席,\n"
                                      f"TZ-4,工委工作会议,秋季会议,{YEAR}-09-10 09:00,{YEAR}-09-10 11:00,王建国,出席,\n").errors
    assert committee_figures(LAST_YEAR).opinions == 2
    qxj, dfs = (_db.session.scalar(select(Community.id).where(Community.name == name)) for name in ("气象街社区", "东风社区"))
    for community in (qxj, dfs):
        period = Period(LAST_YEAR.start, LAST_YEAR.end, community)
        assert committee_figures(period).opinions == 1
        assert {row.deputy.name: row.tally.present for row in attendance_rates(period)}["王建国"] == 1
    assert sum(count for _name, count in opinions_by_community(LAST_YEAR)) == 2


def test_the_forms_services_check_the_records_own_day(street):
    from portal.errors import ServiceError
    from portal.opinions.models import Category, CollectionMethod
    from portal.opinions.services import record_opinion

    staff = _db.session.get(User, street.id)
    kong = _db.session.scalar(select(User).where(User.name == "孔祥瑞"))
    community = _db.session.scalar(select(Community).where(Community.name == "气象街社区"))
    category = _db.session.scalar(select(Category))
    assert record_opinion(staff, kong, "补录的意见", community, category, date(YEAR, 6, 30), CollectionMethod.VISIT).id
    with pytest.raises(ServiceError) as refused:
        record_opinion(staff, kong, "离任后的意见", community, category, date(YEAR, 7, 1), CollectionMethod.VISIT)
    assert (refused.value.field, refused.value.message) == ("deputy", NOT_SERVING)
    with pytest.raises(ServiceError) as undated:  # the date is checked before it is used
        record_opinion(staff, kong, "没有日期", community, category, None, CollectionMethod.VISIT)
    assert undated.value.field == "collected_on"


def test_a_meetings_roster_holds_the_deputies_of_its_day(street):
    from portal.errors import ServiceError
    from portal.meetings.services import MeetingFields, create_meeting, meeting_kinds, roster_ids, set_roster

    staff = _db.session.get(User, street.id)
    kong, xia = (_db.session.scalar(select(User).where(User.name == name)) for name in ("孔祥瑞", "夏虹"))
    kind = meeting_kinds()[0]

    def meeting(day: date) -> MeetingFields:
        start = to_utc(datetime.combine(day, time(9)))
        return MeetingFields(kind, "工作会议", start, start + timedelta(hours=2))

    spring = create_meeting(staff, meeting(date(YEAR, 4, 1)), [kong.id, xia.id])
    assert roster_ids(spring) == {kong.id, xia.id}
    autumn = create_meeting(staff, meeting(date(YEAR, 9, 1)))  # the default roster: today's deputies of its day
    assert kong.id not in roster_ids(autumn) and xia.id in roster_ids(autumn)
    with pytest.raises(ServiceError) as refused:
        set_roster(autumn, [kong.id, xia.id])
    assert (refused.value.field, refused.value.message) == ("deputies", NOT_SERVING)


def test_a_suggestion_is_submitted_on_a_day_its_proposers_were_deputies(street):
    from portal.errors import ServiceError
    from portal.models import Membership
    from portal.opinions.models import Category
    from portal.suggestions.models import SuggestionState as S
    from portal.suggestions.services import SuggestionFields, create_suggestion, transition

    staff = _db.session.get(User, street.id)
    xia = _db.session.scalar(select(User).where(User.name == "夏虹"))
    kong = _db.session.scalar(select(User).where(User.name == "孔祥瑞"))
    category = _db.session.scalar(select(Category))
    draft = create_suggestion(staff, SuggestionFields("修路灯", "修路灯", category, [xia]))
    with pytest.raises(ServiceError):  # a draft written today: 孔祥瑞 is no longer a deputy
        create_suggestion(staff, SuggestionFields("修路灯", "修路灯", category, [kong]))
    member_from = date(YEAR + 1, 1, 1)  # 夏虹's membership now begins after the day the submission is dated
    _db.session.scalar(select(Membership).where(Membership.deputy_id == xia.id)).starts_on = member_from
    with pytest.raises(ServiceError) as refused:
        transition(staff, draft, S.SUBMITTED, S.DRAFT, on=date(YEAR, 6, 1))
    assert (refused.value.field, refused.value.message) == ("on", NOT_SERVING)
    assert transition(staff, draft, S.SUBMITTED, S.DRAFT, on=member_from).happened_on == member_from
