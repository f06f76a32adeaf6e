"""History with its true dates: each step carries the day it happened, entered by staff; dates in the
future or before the previous step are refused at the field; figures count by these dates."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auditing import AuditEvent
from portal.clock import local_today
from portal.errors import ServiceError
from portal.extensions import db as _db
from portal.models import Role, User, utcnow
from portal.periods import Period
from portal.suggestions.adoption import adoption_overall, answers_in_period
from portal.suggestions.models import SuggestionState as S

pytestmark = pytest.mark.dates  # also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)


@pytest.fixture
def people(db, make_user):
    from portal.opinions.services import ensure_default_categories

    ids = {role: make_user(role).id for role in (Role.STAFF, Role.DEPUTY)}
    ensure_default_categories()
    db.session.commit()
    return {role: db.session.get(User, user_id) for role, user_id in ids.items()}


def _suggestion(people, title="建议"):
    from portal.opinions.services import active_categories
    from portal.suggestions.services import SuggestionFields, create_suggestion

    deputy = people[Role.DEPUTY]
    return create_suggestion(deputy, SuggestionFields(title, "内容", active_categories()[0], [deputy], deputy.deputy.community))


def test_a_year_of_paper_history_keeps_its_dates_and_the_figures_follow(db, people):
    from portal.suggestions.services import transition

    staff = people[Role.STAFF]
    year = local_today().year - 1
    suggestion = _suggestion(people)
    transition(staff, suggestion, S.SUBMITTED, S.DRAFT, on=date(year, 3, 10))
    transition(staff, suggestion, S.ADOPTED, S.SUBMITTED, "区委采纳", on=date(year, 5, 20))
    transition(staff, suggestion, S.IMPLEMENTING, S.ADOPTED, on=date(year, 6, 1))
    transition(staff, suggestion, S.DONE, S.IMPLEMENTING, on=date(year, 9, 30))
    db.session.commit()
    assert suggestion.submitted_on == date(year, 3, 10) and suggestion.answered_on == date(year, 5, 20)
    assert [e.happened_on for e in suggestion.events[1:]] == [date(year, 3, 10), date(year, 5, 20), date(year, 6, 1), date(year, 9, 30)]
    assert all(e.at.date() >= local_today() - timedelta(days=1) for e in suggestion.events)  # entered today

    march, may = Period(date(year, 3, 1), date(year, 3, 31)), Period(date(year, 5, 1), date(year, 5, 31))
    assert (adoption_overall(march).submitted, adoption_overall(march).adopted) == (1, 1)  # a cohort by submission
    assert adoption_overall(may).submitted == 0
    assert (answers_in_period(may).submitted, answers_in_period(march).submitted) == (1, 0)  # 本期答复 by answer date

    # The audit log keeps the time of entry beside the date of the event.
    steps = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "SuggestionEvent").order_by(AuditEvent.id)).all()
    assert [e.event_date for e in steps][-4:] == [date(year, 3, 10), date(year, 5, 20), date(year, 6, 1), date(year, 9, 30)]
    assert all(e.at.date() >= local_today() - timedelta(days=1) for e in steps)


def test_refused_dates(db, people):
    from portal.suggestions.services import transition

    staff = people[Role.STAFF]
    suggestion = _suggestion(people)
    with pytest.raises(ServiceError) as refused:
        transition(staff, suggestion, S.SUBMITTED, S.DRAFT, on=local_today() + timedelta(days=1))
    assert refused.value.field == "on"
    transition(staff, suggestion, S.SUBMITTED, S.DRAFT, on=date(2026, 3, 10))
    with pytest.raises(ServiceError) as refused:
        transition(staff, suggestion, S.ADOPTED, S.SUBMITTED, on=date(2026, 3, 9))
    assert refused.value.field == "on" and "上一步骤" in refused.value.message
    transition(staff, suggestion, S.NOT_ADOPTED, S.SUBMITTED, on=date(2026, 3, 10))  # the same day is fine


def test_the_step_form_sends_the_date_and_shows_a_refusal_at_the_field(app, client, login, make_user):
    from portal.opinions.services import ensure_default_categories

    staff, deputy = make_user(Role.STAFF), make_user(Role.DEPUTY)
    with app.app_context():
        ensure_default_categories()
        suggestion_id = _suggestion({Role.DEPUTY: _db.session.get(User, deputy.id)}).id
        _db.session.commit()
    login(staff)
    page = client.get(f"/suggestions/{suggestion_id}").get_data(as_text=True)
    assert f'name="on" max="{local_today().isoformat()}"' in page and f'value="{local_today().isoformat()}"' in page
    client.post(f"/suggestions/{suggestion_id}/transition", data={"to_state": "submitted", "expected": "draft", "on": "2026-02-02"})
    response = client.post(f"/suggestions/{suggestion_id}/transition",
                           data={"to_state": "adopted", "expected": "submitted", "on": "2026-01-01", "note": "区委采纳"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="on-adopted-error"' in body and "日期不能早于上一步骤" in body
    assert 'value="2026-01-01"' in body and "区委采纳</textarea>" in body  # what was typed is kept
    with app.app_context():
        from portal.suggestions.models import Suggestion

        suggestion = _db.session.get(Suggestion, suggestion_id)
        assert suggestion.state is S.SUBMITTED and suggestion.submitted_on == date(2026, 2, 2)


def test_practical_matter_start_and_completion(db, people):
    from portal.matters.models import MatterState
    from portal.matters.services import MatterFields, create_matter

    deputy = people[Role.DEPUTY]
    community = deputy.deputy.community

    def fields(state, done_on, started_on):
        return MatterFields("修路", "气象街", community, [deputy], done_on, state, 10, started_on=started_on)

    matter = create_matter(people[Role.STAFF], fields(MatterState.DONE, date(2026, 4, 30), date(2026, 4, 1)))
    assert (matter.started_on, matter.done_on) == (date(2026, 4, 1), date(2026, 4, 30))
    with pytest.raises(ServiceError) as refused:
        create_matter(people[Role.STAFF], fields(MatterState.DONE, date(2026, 3, 30), date(2026, 4, 1)))
    assert refused.value.field == "done_on"
    with pytest.raises(ServiceError) as refused:
        create_matter(people[Role.STAFF], fields(MatterState.IN_PROGRESS, local_today(), local_today() + timedelta(days=2)))
    assert refused.value.field == "started_on"


def test_evaluation_date_and_ballots_counted_by_it(db, people):
    from portal.evaluations.services import record_evaluation
    from portal.reports.figures import committee_figures

    staff, deputy = people[Role.STAFF], people[Role.DEPUTY]
    year = local_today().year - 1
    evaluation = record_evaluation(staff, deputy, date(year, 1, 1), date(year, 12, 31), 8, 1, 1, evaluated_on=date(year, 12, 20))
    assert evaluation.evaluated_on == date(year, 12, 20)
    assert committee_figures(Period(date(year, 12, 1), date(year, 12, 31))).ballots == 10
    assert committee_figures(Period(date(year, 1, 1), date(year, 11, 30))).ballots == 0
    for bad in (local_today() + timedelta(days=1), date(year - 1, 12, 31)):
        with pytest.raises(ServiceError) as refused:
            record_evaluation(staff, deputy, date(year, 1, 1), date(year, 12, 31), 8, 1, 1, evaluated_on=bad)
        assert refused.value.field == "evaluated_on"


def test_a_save_of_the_same_ballots_changes_nothing(db, people):
    from portal.evaluations.services import record_evaluation

    staff, deputy = people[Role.STAFF], people[Role.DEPUTY]
    args = (staff, deputy, date(2026, 1, 1), date(2026, 12, 31), 8, 1, 1)
    first = record_evaluation(*args, evaluated_on=date(2026, 2, 1))
    db.session.commit()
    count = len(db.session.scalars(select(AuditEvent)).all())
    again = record_evaluation(*args, evaluated_on=date(2026, 2, 1))
    db.session.commit()
    assert again.id == first.id and len(db.session.scalars(select(AuditEvent)).all()) == count


def test_attendance_from_a_paper_sheet(app, client, login, make_user):
    from portal.meetings.models import AttendanceChange
    from portal.meetings.services import MeetingFields, create_meeting, ensure_default_meeting_kinds, meeting_kinds

    staff, deputy = make_user(Role.STAFF), make_user(Role.DEPUTY)
    start = utcnow() - timedelta(days=10)
    with app.app_context():
        ensure_default_meeting_kinds()
        meeting = create_meeting(_db.session.get(User, staff.id),
                                 MeetingFields(meeting_kinds()[0], "上月会议", start, start + timedelta(hours=2)), [deputy.id])
        _db.session.commit()
        meeting_id = meeting.id
    sheet_day = (start + timedelta(hours=8)).date()
    login(staff)
    page = client.get(f"/meetings/{meeting_id}/attendance?sheet_on={sheet_day.isoformat()}").get_data(as_text=True)
    assert f'name="sheet_on" value="{sheet_day.isoformat()}"' in page
    refused = client.get(f"/meetings/{meeting_id}/attendance?sheet_on={(local_today() + timedelta(days=1)).isoformat()}")
    assert "日期不能晚于今天" in refused.get_data(as_text=True)
    too_early = client.post(f"/meetings/{meeting_id}/attendance/{deputy.id}",
                            data={"status": "present", "sheet_on": (start - timedelta(days=2)).date().isoformat()},
                            headers={"HX-Request": "true"})
    assert too_early.status_code == 422 and "签到表日期不能早于会议开始日期" in too_early.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting_id}/attendance/{deputy.id}", data={"status": "present", "sheet_on": sheet_day.isoformat()})
    assert response.status_code == 302
    with app.app_context():
        change = _db.session.scalars(select(AttendanceChange).where(AttendanceChange.meeting_id == meeting_id)).one()
        assert change.sheet_on == sheet_day
        audit = _db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "AttendanceChange")).one()
        assert audit.event_date == sheet_day and audit.parent_id == str(meeting_id) and audit.at.date() >= local_today() - timedelta(days=1)
    detail = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "补录" in detail
