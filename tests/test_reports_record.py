"""The deputy's record (履职档案): every figure on hand-made data, who may see it, and its cost."""
from datetime import date
from fractions import Fraction

import pytest

from portal.extensions import db as _db
from portal.meetings.models import AttendanceStatus
from portal.models import DeputyProfile
from portal.periods import Period
from portal.reports.services import deputy_records

from .reports_data import ANSWERED_ON, busy_deputies, count_queries, street  # noqa: F401 (fixtures)

YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


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


@pytest.mark.postgres
def test_each_period_and_deputy_read_their_own_rows(app, street):
    """The record's statements are built once per shape of period, the dates and the deputies bound: records of one
    shape each read their own period's and deputy's rows."""
    with app.app_context():
        this_year, other = record_of(street, "a"), record_of(street, "b")
        last_year = record_of(street, "a", Period(date(2024, 1, 1), date(2024, 12, 31)))
        assert [o.content for o in this_year.opinions] == ["路面坑洼", "缺少早餐点"]
        assert [o.content for o in last_year.opinions] == ["去年的意见"] and last_year.meetings == []
        assert [m.meeting.title for m in this_year.meetings] == ["见面会", "工作会议"]
        assert [o.suggestion.title for o in other.suggestions] == ["修复路面"] and other.opinions == []
        assert this_year.points.days > last_year.points.days == 1 and this_year.points.year == 2025


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


def test_record_pages_cost_the_same_at_two_scales(app, client, login, street, busy_deputies):
    """Three more busy deputies, each in a community of their own, add rows to every part of the print, not queries."""
    login(street["staff"])
    urls = ["/reports/deputies?start=2025-01-01&end=2025-12-31", "/reports/deputies/%d?start=2025-01-01&end=2025-12-31" % street["a"].id]
    with app.app_context():
        before = [count_queries(client, url) for url in urls]
    busy_deputies()
    with app.app_context():
        after = [count_queries(client, url) for url in urls]
    assert after == before


def test_the_answer_shows_the_day_the_district_answered_not_the_day_it_was_entered(client, login, street):
    login(street["staff"])
    page = client.get("/reports/deputies/%d?start=2025-01-01&end=2025-12-31" % street["a"].id).get_data(as_text=True)
    assert "区委采纳，交市政落实。 <span class=\"muted date\">（2025年5月20日）</span>" in page
    rows = client.get("/suggestions/export.csv?state=adopted").get_data(as_text=True).splitlines()
    header, [row] = rows[0].split(","), [line.split(",") for line in rows[1:]]
    assert row[header.index("已采纳：日期")] == ANSWERED_ON.isoformat()
