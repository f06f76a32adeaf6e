"""Duty points and days (履职积分 / 履职天数): the table against a naive count, publishing a quarter, the rules, batch review."""
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event, func, select

from portal.auditing import AuditEvent
from portal.campaigns.models import ChecklistRecord, RecordState
from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, review_many, save_record, verify_record
from portal.clock import to_local
from portal.errors import ServiceError
from portal.evaluations.models import Evaluation
from portal.evaluations.services import record_evaluation
from portal.extensions import db as _db
from portal.figures import points_text
from portal.matters.models import MatterState, PracticalMatter
from portal.matters.services import MatterFields, create_matter
from portal.meetings.models import Attendance, AttendanceStatus, Meeting
from portal.meetings.marks import mark_attendance
from portal.meetings.services import close_meeting, ensure_default_meeting_kinds
from portal.models import Community, Role, User
from portal.opinions.models import CollectionMethod, Opinion
from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
from portal.periods import Period
from portal.points.models import DutyKind, PointRule, Publication
from portal.points import scoring
from portal.points.scoring import deputy_points, points_table, record_points
from portal.points.services import Weight, differences, publish_quarter, save_rules
from portal.suggestions.models import AnswerFeedback, FeedbackMethod, Suggestion, SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

from .conftest import demo, shared_world  # noqa: F401 (fixtures)
from .racing import post_together
from .reports_data import meeting

Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))
CHANGE = date(2025, 2, 15)  # the second rule set takes effect mid-quarter
D = Decimal
FIRST = {DutyKind.CHECKLIST_VERIFIED: (D("2"), None), DutyKind.MEETING_PRESENT: (D("1"), None),
         DutyKind.MEETING_LATE: (D("0.5"), None), DutyKind.MEETING_LEFT_EARLY: (D("0.5"), None),
         DutyKind.MEETING_EXCUSED: (D("0"), None), DutyKind.MEETING_ABSENT: (D("-1.5"), None),
         DutyKind.VOTER_MEETING: (D("1.5"), None), DutyKind.OPINION: (D("0.5"), D("2")),
         DutyKind.SUGGESTION_SUBMITTED: (D("2"), None), DutyKind.SUGGESTION_ADOPTED: (D("3"), None),
         DutyKind.MATTER_DONE: (D("2.5"), D("5")), DutyKind.FEEDBACK: (D("1"), None),
         DutyKind.RATED_COMPETENT: (D("5"), None), DutyKind.RATED_BASIC: (D("2"), None),
         DutyKind.RATED_INCOMPETENT: (D("-2"), None)}
SECOND = {**FIRST, DutyKind.OPINION: (D("1"), D("3.5")), DutyKind.MEETING_ABSENT: (D("-2"), None)}


def build_history(app, make_user, make_community):
    """Five deputies' first four months of 2025, drawn at random (fixed seed), under two rule sets."""
    rng = random.Random(21)
    communities = [make_community("气象街社区"), make_community("和平里社区")]
    deputies = [make_user(Role.DEPUTY, name=f"代表{n}", community_id=communities[n % 2]) for n in range(5)]
    admin = make_user(Role.ADMIN, username="points-admin")
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(120)]
    with app.app_context():
        ensure_default_categories()
        ensure_default_meeting_kinds()
        actor = _db.session.get(User, admin.id)
        people = [_db.session.get(User, d.id) for d in deputies]
        category = active_categories()[0]
        community = _db.session.get(Community, communities[0])
        campaign = create_campaign(CampaignFields("2025年活动", date(2025, 1, 1), date(2025, 12, 31), "", True))
        for person in people:
            for item in campaign.items[:rng.randint(1, 4)]:
                record = save_record(person, item, person, RecordFields(rng.choice(days), communities[0], "记录。"),
                                     today_=date(2025, 12, 31))
                if rng.random() < 0.7:
                    verify_record(actor, record)
            for _n in range(rng.randint(2, 9)):
                record_opinion(person, person, "意见", community, category, rng.choice(days), CollectionMethod.VISIT)
        for n in range(6):
            proposers = rng.sample(people, rng.randint(1, 2))
            suggestion = create_suggestion(proposers[0], SuggestionFields(f"建议{n}", "内容", category, proposers))
            submitted = rng.choice(days[:90])
            transition(proposers[0], suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=submitted)
            if n % 2 == 0:
                answered = submitted + timedelta(days=rng.randint(1, 25))
                transition(actor, suggestion, SuggestionState.ADOPTED, SuggestionState.SUBMITTED, "采纳", on=answered)
                _db.session.add(AnswerFeedback(suggestion_id=suggestion.id, deputy_id=proposers[0].id,
                                               fed_back_on=answered + timedelta(days=2), method=FeedbackMethod.VISIT,
                                               recorded_by_id=actor.id))
        for n in range(5):
            state = MatterState.DONE if n < 4 else MatterState.PLANNED
            create_matter(actor, MatterFields(f"实事{n}", "", community, rng.sample(people, 2), rng.choice(days), state))
        for n, kind in enumerate(("工委工作会议", "代表与选民见面会") * 3):
            held = meeting(actor, kind, days[10 + n * 17], [p.id for p in people], f"会议{n}")
            for person in people:
                mark_attendance(actor, held, person.id, rng.choice(list(AttendanceStatus)), "出差")
            close_meeting(actor, held)
        for n, person in enumerate(people):
            record_evaluation(actor, person, date(2025, 1, 1), date(2025, 3, 31), 8 - 3 * (n % 3), 1, 1 + n,
                              evaluated_on=date(2025, 3, 20 + n))
        save_rules(actor, date(2025, 1, 1), {kind: Weight(*weights) for kind, weights in FIRST.items()})
        save_rules(actor, CHANGE, {kind: Weight(*weights) for kind, weights in SECOND.items()})
        _db.session.commit()
    return {"deputies": [d.id for d in deputies], "admin": admin.id, "communities": communities}


history = shared_world(build_history)


def naive_duties() -> list[tuple[int, date, DutyKind]]:
    """Every duty (deputy, day, kind), read record by record through the ORM."""
    duties = []
    for record in _db.session.scalars(select(ChecklistRecord)):
        if record.state is RecordState.VERIFIED:
            duties.append((record.deputy_id, record.done_on, DutyKind.CHECKLIST_VERIFIED))
    for opinion in _db.session.scalars(select(Opinion)):
        duties.append((opinion.deputy_id, opinion.collected_on, DutyKind.OPINION))
    for suggestion in _db.session.scalars(select(Suggestion)):
        for deputy in suggestion.deputies:
            if suggestion.state is not SuggestionState.DRAFT:
                duties.append((deputy.id, suggestion.submitted_on, DutyKind.SUGGESTION_SUBMITTED))
            if suggestion.state is SuggestionState.ADOPTED:
                duties.append((deputy.id, suggestion.answer.happened_on, DutyKind.SUGGESTION_ADOPTED))
    for matter in _db.session.scalars(select(PracticalMatter)):
        for deputy in matter.deputies:
            if matter.state is MatterState.DONE:
                duties.append((deputy.id, matter.done_on, DutyKind.MATTER_DONE))
    for feedback in _db.session.scalars(select(AnswerFeedback)):
        duties.append((feedback.deputy_id, feedback.fed_back_on, DutyKind.FEEDBACK))
    names = {AttendanceStatus.PRESENT: "present", AttendanceStatus.LATE: "late", AttendanceStatus.LEFT_EARLY: "left_early",
             AttendanceStatus.EXCUSED: "excused", AttendanceStatus.ABSENT: "absent"}
    for mark in _db.session.scalars(select(Attendance)):
        held = _db.session.get(Meeting, mark.meeting_id)
        voter = held.kind.voter_log and mark.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)
        duties.append((mark.deputy_id, to_local(held.starts_at).date(), DutyKind.VOTER_MEETING if voter else DutyKind(names[mark.status])))
    for evaluation in _db.session.scalars(select(Evaluation)):
        share = evaluation.satisfied / evaluation.ballots
        kind = DutyKind.RATED_COMPETENT if share >= 0.8 else DutyKind.RATED_BASIC if share >= 0.5 else DutyKind.RATED_INCOMPETENT
        duties.append((evaluation.deputy_id, evaluation.evaluated_on, kind))
    return duties


def naive_points(period: Period) -> dict[int, tuple[int, Decimal]]:
    """Each deputy's (days, points) in the period: every duty in date order, the rule of its day, caps per quarter."""
    running = defaultdict(Decimal)
    points = defaultdict(Decimal)
    days = defaultdict(set)
    for deputy, day, kind in sorted(naive_duties(), key=lambda d: d[1]):
        weight, cap = (SECOND if day >= CHANGE else FIRST)[kind]
        quarter = (deputy, kind, day.year, (day.month + 2) // 3)
        earned = weight
        if cap is not None and weight > 0:
            earned = max(min(weight, cap - running[quarter]), D(0))
        running[quarter] += earned
        if period.start <= day <= period.end:
            points[deputy] += earned
            if kind not in (DutyKind.MEETING_EXCUSED, DutyKind.MEETING_ABSENT, DutyKind.RATED_COMPETENT,
                            DutyKind.RATED_BASIC, DutyKind.RATED_INCOMPETENT):
                days[deputy].add(day)
    return {deputy: (len(days[deputy]), points[deputy]) for deputy in set(points) | set(days)}


@pytest.mark.postgres
@pytest.mark.parametrize("period", [Q1, Period(date(2025, 2, 1), date(2025, 4, 30))], ids=["quarter", "across-quarters"])
def test_every_deputys_points_and_days_match_a_naive_count(app, history, period, monkeypatch):
    with app.app_context():
        table = points_table(period)
        expected = naive_points(period)
        assert {row.deputy_id for row in table} == set(history["deputies"])
        for row in table:
            assert (row.days, row.points) == expected.get(row.deputy_id, (0, D(0))), row.name
            assert sum((points for _count, points in row.kinds.values()), D(0)) == row.points
        assert any(row.kinds.get(DutyKind.OPINION, [0, 0])[0] * D("0.5") > row.kinds[DutyKind.OPINION][1] for row in table
                   if DutyKind.OPINION in row.kinds), "the history reaches an opinion cap"
        assert any(points < 0 for row in table for _c, points in row.kinds.values()), "a negative weight is used"
        assert [row.rank for row in table] == sorted(row.rank for row in table)
        records = record_points([row.deputy_id for row in table], period)
        for row in table:  # the deputy's own breakdown and their record add up to their line
            mine = deputy_points(row.deputy_id, period)
            assert (mine.day_count, mine.points) == (row.days, row.points)
            assert sum((points for _duty, points in mine.duties), D(0)) == row.points
            assert (records[row.deputy_id].days, records[row.deputy_id].points) == (row.days, row.points)
        monkeypatch.setattr(scoring, "ONE_BY_ONE", 0)  # a committee's records are counted by the database: the same
        assert record_points([row.deputy_id for row in table], period) == records


@pytest.mark.postgres
def test_a_cap_across_a_rule_change_counts_the_same_grouped_and_one_by_one(app, history, make_user):
    """A quarter's cap reached before the period starts, an opinion on the day new rules (a higher cap) take effect,
    the cap reached again inside the period, and a fresh quarter: the table (counted per stretch of days), the
    deputy's own breakdown (record by record) and their record give the sums worked out by hand."""
    deputy = make_user(Role.DEPUTY, name="代表甲", community_id=history["communities"][0])
    with app.app_context():
        person = _db.session.get(User, deputy.id)
        community = _db.session.get(Community, history["communities"][0])
        days = [date(2025, 1, 5)] * 3 + [date(2025, 2, 10)] * 2 + [CHANGE] + [date(2025, 2, 20)] * 2 + [date(2025, 4, 2)]
        for day in days:
            record_opinion(person, person, "意见", community, active_categories()[0], day, CollectionMethod.VISIT)
        _db.session.commit()
        period = Period(date(2025, 2, 12), date(2025, 4, 30))
        # Before the period the first rules' cap stops the quarter at 2 (0.5 × 5); inside it the second rules give
        # 1 on their first day and 0.5 more up to their cap of 3.5; the second quarter starts again from 0.
        line = next(row for row in points_table(period) if row.deputy_id == deputy.id)
        assert (line.days, line.points, line.kinds[DutyKind.OPINION]) == (3, D("2.5"), [4, D("2.5")])
        mine = deputy_points(deputy.id, period)
        assert (mine.day_count, mine.points) == (3, D("2.5"))
        assert [points for _duty, points in mine.duties] == [D(1), D("0.5"), D(0), D(1)]
        record = record_points([deputy.id], period)[deputy.id]
        assert (record.days, record.points) == (3, D("2.5"))
        april = record_points([deputy.id], Period(date(2025, 4, 1), date(2025, 4, 30)))[deputy.id]
        assert (april.days, april.points) == (1, D(1))  # statements built once per shape read each period's own records
        assert expected_days(deputy.id, 2025) == record.year_days


def expected_days(deputy_id: int, year: int) -> frozenset:
    """The deputy's duty days of a year, from the naive count."""
    return frozenset(day for who, day, kind in naive_duties() if who == deputy_id and kind.counts_a_day and day.year == year)


def test_a_community_lists_its_deputies_only(app, history):
    with app.app_context():
        table = points_table(Period(Q1.start, Q1.end, history["communities"][1]))
        assert {row.deputy_id for row in table} == set(history["deputies"][1::2])


def test_a_published_quarter_stays_as_published_and_shows_corrections(app, history):
    with app.app_context(), time_machine.travel(date(2025, 4, 5), tick=False):
        admin = _db.session.get(User, history["admin"])
        publication = publish_quarter(admin, Q1.start)
        _db.session.commit()
        published = {row.deputy_id: (row.days, row.points) for row in publication.rows}
        assert published == {row.deputy_id: (row.days, row.points) for row in points_table(Q1)}
        with pytest.raises(ServiceError):
            publish_quarter(admin, Q1.start)
        _db.session.rollback()
        with pytest.raises(ServiceError):  # rules never reach back into a published quarter
            save_rules(admin, date(2025, 3, 1), {})
        _db.session.rollback()
        with pytest.raises(ServiceError):  # a quarter is published once it has ended
            publish_quarter(admin, date(2025, 4, 1))
        _db.session.rollback()
        deputy = _db.session.get(User, history["deputies"][0])
        late = create_suggestion(deputy, SuggestionFields("补录的建议", "内容", active_categories()[0], [deputy]))
        transition(admin, late, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=date(2025, 3, 30))
        _db.session.commit()
        publication = _db.session.get(Publication, publication.id)
        assert {row.deputy_id: (row.days, row.points) for row in publication.rows} == published
        changed = differences(publication)
        assert set(changed) == {deputy.id}
        assert changed[deputy.id].live_points == published[deputy.id][1] + 2


def test_rules_keep_tenths_and_refuse_bad_numbers(app, history):
    with app.app_context():
        admin = _db.session.get(User, history["admin"])
        for bad, field in (("1.25", "points_opinion"), ("abc", "points_opinion"), ("NaN", "points_opinion")):
            with pytest.raises(ServiceError) as refused:
                save_rules(admin, date(2025, 6, 1), {DutyKind.OPINION: Weight(bad)})
            assert refused.value.field == field
            _db.session.rollback()
        with pytest.raises(ServiceError) as refused:
            save_rules(admin, date(2025, 6, 1), {DutyKind.OPINION: Weight("1", "-1")})
        assert refused.value.field == "cap_opinion"
        _db.session.rollback()
        save_rules(admin, date(2025, 6, 1), {DutyKind.OPINION: Weight("118.5", "")})
        _db.session.commit()
        assert _db.session.scalar(select(PointRule.points).where(PointRule.effective_on == date(2025, 6, 1),
                                                                 PointRule.kind == DutyKind.OPINION)) == D("118.5")


def test_batch_review_verifies_once_and_returns_with_one_note(app, history):
    with app.app_context():
        admin = _db.session.get(User, history["admin"])
        waiting = list(_db.session.scalars(select(ChecklistRecord.id).where(ChecklistRecord.state == RecordState.RECORDED)))
        assert len(waiting) >= 2
        events = _db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert review_many(admin, waiting[:-1], RecordState.VERIFIED) == (len(waiting) - 1, 0)
        _db.session.commit()
        assert _db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + len(waiting) - 1
        assert review_many(admin, waiting[:-1], RecordState.VERIFIED) == (0, len(waiting) - 1)  # a resent form
        with pytest.raises(ServiceError) as refused:
            review_many(admin, waiting, RecordState.RETURNED, "  ")
        assert refused.value.field == "note"
        assert review_many(admin, waiting, RecordState.RETURNED, "请补充照片。") == (len(waiting), 0)
        _db.session.commit()
        notes = set(_db.session.scalars(select(ChecklistRecord.review_note).where(ChecklistRecord.id.in_(waiting))))
        assert notes == {"请补充照片。"}


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
def test_the_demo_has_rules_and_last_quarter_published(app, demo):
    from portal.periods import last_quarter

    with app.app_context():
        publication = _db.session.scalar(select(Publication).where(Publication.starts_on == last_quarter().start))
        assert publication is not None and len(publication.rows) >= 30
        assert any(row.points > 0 for row in publication.rows)
        assert _db.session.scalar(select(func.count(PointRule.effective_on.distinct()))) == 2


def test_staff_publish_and_deputies_see_their_own_until_the_ranking_is_shown(app, history, client, login, make_user):
    staff, deputy_id = make_user(Role.STAFF), history["deputies"][0]
    with time_machine.travel(date(2025, 4, 5), tick=False):
        with app.app_context():
            line = next(row for row in points_table(Q1) if row.deputy_id == deputy_id)
            deputy = _db.session.get(User, deputy_id)
        login(staff)
        page = client.get("/points/?start=2025-01-01&end=2025-03-31").get_data(as_text=True)
        assert deputy.name in page and "履职积分和履职天数：统计口径" in page
        refused = client.post("/points/publish", data={"quarter": "2025-04-01"})
        assert refused.status_code == 422 and "季度结束后才能亮分" in refused.get_data(as_text=True)
        published = client.post("/points/publish", data={"quarter": "2025-01-01"})
        assert published.status_code == 302
        url = published.headers["Location"]
        assert client.get(url).status_code == 200
        login(deputy)
        assert client.get(url).status_code == 404
        mine = client.get("/points/mine?start=2025-01-01&end=2025-03-31").get_data(as_text=True)
        assert "积分明细" in mine and f"履职积分 {points_text(line.points)} 分" in mine
        login(staff)
        assert client.post(url + "/ranking", data={"show_ranking": "y"}).status_code == 302
        login(deputy)
        assert client.get(url).status_code == 200


def test_the_record_shows_the_year_at_a_glance_and_the_word_report_the_table(app, history, client, login, make_user):
    """The 履职档案's calendar marks exactly the deputy's duty days of the year (as squares and in the table beside
    them), and the Word report's days-and-points table carries each deputy's line as the live table has it."""
    import io
    import re
    import zipfile

    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    deputy_id = history["deputies"][0]
    with app.app_context():
        days = sorted({day for who, day, kind in naive_duties() if who == deputy_id and kind.counts_a_day})
        lines = [(row.name, row.days, points_text(row.points)) for row in points_table(year)]
    login(make_user(Role.STAFF))
    page = client.get(f"/reports/deputies/{deputy_id}?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    calendar = page[page.index(f'id="calendar-{deputy_id}"'):]
    calendar = calendar[:calendar.index("</figure>")]
    assert days and calendar.count('class="day active"') == len(days)
    assert calendar.count('class="day"') == 365 - len(days)
    for month in range(1, 13):
        listed = "、".join(str(day.day) for day in days if day.month == month)
        assert re.search(rf"<th scope=\"row\">{month}月</th><td class=\"num\">{listed.count('、') + bool(listed)}</td><td>{listed}</td>",
                         calendar), month

    body = client.get("/reports/work-report.docx?start=2025-01-01&end=2025-12-31").data
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        xml = package.read("word/document.xml").decode()
    table = xml[xml.index("履职天数和积分"):]
    cells = [re.sub(r"<[^>]+>", "", row).split("\x00") for row in
             re.findall(r"<w:tr[ >].*?</w:tr>", re.sub(r"</w:tc>", "\x00</w:tc>", table[:table.index("</w:tbl>")]))]
    assert [(row[1], int(row[3]), row[4]) for row in cells[1:]] == lines


def test_batch_review_page_keeps_its_filter_and_asks_for_the_note(app, history, client, login, make_user):
    login(make_user(Role.STAFF))
    with app.app_context():
        waiting = list(_db.session.scalars(select(ChecklistRecord.id).where(ChecklistRecord.state == RecordState.RECORDED)))
    refused = client.post("/campaigns/review?state=all", data={"action": "return", "record": waiting})
    assert refused.status_code == 422 and "field-error" in refused.get_data(as_text=True)
    done = client.post("/campaigns/review?state=all", data={"action": "return", "record": waiting, "note": "请补充。"})
    assert done.status_code == 302 and done.headers["Location"].endswith("state=all")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"已将 {len(waiting)} 条记录连同说明退回" in page and "请补充。" in page


@pytest.mark.postgres
def test_a_batch_sent_twice_at_once_verifies_each_record_once(app, history, make_user):
    staff = make_user(Role.STAFF)
    with app.app_context():
        waiting = list(_db.session.scalars(select(ChecklistRecord.id).where(ChecklistRecord.state == RecordState.RECORDED)))
        events = _db.session.scalar(select(func.count()).select_from(AuditEvent))
    # Both requests reach the locking read together.
    form = {"action": "verify", "record": waiting}
    outcomes = post_together(app, staff.id, "/campaigns/review", [form, form])
    assert sorted(response.status_code for response in outcomes) == [302, 302]
    with app.app_context():
        assert set(_db.session.scalars(select(ChecklistRecord.state).where(ChecklistRecord.id.in_(waiting)))) == {RecordState.VERIFIED}
        assert _db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + len(waiting)


def test_the_tables_marks_are_read_from_one_index(app, history):
    """The year's marks behind the table and its days are counted from the meeting's index entries with their status,
    never from the table's rows (migration 0022)."""
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        if "attendance" in statement:
            seen.append((statement, parameters))

    with app.app_context():  # SQLite's plan: PostgreSQL rightly prices a test-sized table as one scan
        event.listen(_db.engine, "before_cursor_execute", record)
        try:
            points_table.__wrapped__(Q1)
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
        assert len(seen) == 2  # the counts per deputy, kind and stretch, and the distinct duty days
        for statement, parameters in seen:
            connection = _db.session.connection()
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert [line for line in plan if " attendance " in f"{line} "] == [
                "SEARCH attendance USING COVERING INDEX ix_attendance_meeting_deputy_status (meeting_id=?)"], plan


def test_statements_naming_each_held_meeting_stay_out_of_the_shared_compiled_cache(app, history):
    """The table's marks and days name each held meeting, so their compiled form changes with the number of meetings:
    they are kept in a small cache of their own, never in SQLAlchemy's, where hundreds of KB each would pile up."""
    own = scoring.HELD_MEETINGS_COMPILED["compiled_cache"]
    own.clear()
    with app.app_context():
        for period in (Q1, Period(Q1.start, CHANGE), Period(CHANGE, Q1.end)):  # different numbers of meetings held
            points_table.__wrapped__(period)
        shared = [compiled.string for compiled in _db.engine._compiled_cache.values()]
    assert not [statement for statement in shared if "held AS" in statement]
    assert len(own) >= 2
