"""The committee's ledgers brought in: an export imports unchanged and gives the same figures as the forms did,
numbers (编号) make a second import create nothing, every row's error is named, and nothing is half-written."""
import io
from dataclasses import astuple
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from portal.auditing import AuditEvent
from portal.clock import local_today, to_utc
from portal.extensions import db as _db
from portal.models import Role, User
from portal.periods import Period

pytestmark = pytest.mark.dates

DEPUTIES = ["夏虹", "王建国", "李秀英", "张伟"]
COMMUNITIES = ["气象街社区", "东风社区"]


@pytest.fixture
def street(db, make_user, make_community):
    """Two communities, four deputies, one staff member, the default categories and meeting kinds."""
    from portal.meetings.services import ensure_default_meeting_kinds
    from portal.opinions.services import ensure_default_categories

    communities = [make_community(name) for name in COMMUNITIES]
    for n, name in enumerate(DEPUTIES):
        make_user(Role.DEPUTY, username=f"dep{n}", name=name, community_id=communities[n % 2])
    staff = make_user(Role.STAFF, username="office", name="办公室")
    ensure_default_meeting_kinds()
    ensure_default_categories()
    db.session.commit()
    return staff.id


def _people():
    deputies = {u.name: u for u in _db.session.scalars(select(User).where(User.role == Role.DEPUTY))}
    return deputies, _db.session.scalar(select(User).where(User.username == "office"))


def _at(day: date, hour: int) -> datetime:
    return to_utc(datetime.combine(day, time(hour)))


def build_history(year: int) -> None:
    """A year of records through the services the forms use, with their true past dates."""
    from portal.evaluations.services import record_evaluation
    from portal.matters.models import MatterState
    from portal.matters.services import MatterFields, create_matter
    from portal.meetings.marks import mark_attendance
    from portal.meetings.models import AttendanceStatus as A
    from portal.meetings.services import MeetingFields, close_meeting, create_meeting, meeting_kinds
    from portal.meetings.voter_meetings import add_meeting_opinion, save_voter_log
    from portal.models import Community
    from portal.opinions.models import CollectionMethod
    from portal.opinions.services import active_categories, record_opinion
    from portal.suggestions.models import SuggestionState as S
    from portal.suggestions.services import SuggestionFields, create_suggestion, transition

    deputies, staff = _people()
    d = [deputies[name] for name in DEPUTIES]
    qxj, dfs = (_db.session.scalar(select(Community).where(Community.name == name)) for name in COMMUNITIES)
    kinds = {k.name: k for k in meeting_kinds()}
    cats = active_categories()

    work = create_meeting(staff, MeetingFields(kinds["工委工作会议"], "一季度工作会议", _at(date(year, 3, 5), 9),
                                               _at(date(year, 3, 5), 11), "街道会议室"), [u.id for u in d])
    for deputy, status in zip(d, [A.PRESENT, A.LATE, A.EXCUSED, A.ABSENT]):
        mark_attendance(staff, work, deputy.id, status, "出差" if status is A.EXCUSED else "", sheet_on=date(year, 3, 5))
    close_meeting(staff, work)
    voter = create_meeting(staff, MeetingFields(kinds["代表与选民见面会"], "气象街选民见面会", _at(date(year, 5, 12), 14),
                                                _at(date(year, 5, 12), 16), "气象街社区活动室", qxj), [d[0].id, d[2].id])
    mark_attendance(staff, voter, d[0].id, A.PRESENT, sheet_on=date(year, 5, 12))
    mark_attendance(staff, voter, d[2].id, A.LEFT_EARLY, sheet_on=date(year, 5, 13))
    save_voter_log(voter, 40, "对停车难问题作了答复")
    raised = add_meeting_opinion(staff, voter, d[0], "小区停车难，希望规划停车位", cats[3], qxj)
    close_meeting(staff, voter)
    training = create_meeting(staff, MeetingFields(kinds["培训学习"], "代表履职培训", _at(date(year, 11, 20), 9),
                                                   _at(date(year, 11, 20), 12)), [d[1].id, d[3].id])
    mark_attendance(staff, training, d[1].id, A.PRESENT, sheet_on=date(year, 11, 21))  # d[3] never marked

    o = [raised]
    for n, (deputy, community, month, day) in enumerate([(d[0], qxj, 2, 3), (d[1], dfs, 3, 8), (d[2], qxj, 3, 30),
                                                         (d[3], dfs, 6, 1), (d[1], dfs, 12, 31)]):
        o.append(record_opinion(staff, deputy, f"居民意见{n}", community, cats[n % len(cats)], date(year, month, day),
                                CollectionMethod.VISIT, "张三、李四" if n == 0 else "", 5 if n == 1 else None))

    s1 = create_suggestion(staff, SuggestionFields("关于修复气象街路面的建议", "修复路面", cats[3], [d[0], d[2]]), [o[0].id, o[1].id])
    transition(staff, s1, S.SUBMITTED, S.DRAFT, on=date(year, 3, 10))
    transition(staff, s1, S.ADOPTED, S.SUBMITTED, "区委采纳", on=date(year, 5, 20))
    transition(staff, s1, S.IMPLEMENTING, S.ADOPTED, on=date(year, 6, 1))
    transition(staff, s1, S.DONE, S.IMPLEMENTING, "已修复", on=date(year, 9, 30))
    s2 = create_suggestion(staff, SuggestionFields("关于增设健身器材的建议", "增设器材", cats[0], [d[1]], dfs), [o[2].id])
    transition(staff, s2, S.SUBMITTED, S.DRAFT, on=date(year, 4, 2))
    transition(staff, s2, S.NOT_ADOPTED, S.SUBMITTED, "暂不具备条件", on=date(year, 7, 15))
    s3 = create_suggestion(staff, SuggestionFields("关于垃圾分类的建议", "分类投放", cats[1], [d[3]], dfs))
    transition(staff, s3, S.SUBMITTED, S.DRAFT, on=date(year, 12, 20))
    create_suggestion(staff, SuggestionFields("关于老旧小区加装电梯的建议", "草稿", cats[2], [d[2]], qxj), [o[3].id])

    create_matter(staff, MatterFields("协调市政对气象街30-54号路面进行了修复", "气象街30-54号", qxj, [d[0]], date(year, 9, 28),
                                      MatterState.DONE, 300, "路面修复", started_on=date(year, 8, 1)))
    create_matter(staff, MatterFields("在气象街26号楼为居民安装了健身器材", "气象街26号楼", qxj, [d[1], d[2]], date(year, 12, 1),
                                      MatterState.IN_PROGRESS, None, "", started_on=date(year, 11, 1)))
    record_evaluation(staff, d[0], date(year, 1, 1), date(year, 12, 31), 30, 5, 1, evaluated_on=date(year, 12, 15))
    record_evaluation(staff, d[1], date(year, 1, 1), date(year, 12, 31), 10, 10, 6, evaluated_on=date(year, 12, 16))
    record_evaluation(staff, d[2], date(year, 7, 1), date(year, 12, 31), 12, 0, 0, evaluated_on=date(year, 11, 30))
    _db.session.commit()


def periods(year: int) -> list[Period]:
    """The year, each month of it, and the year in each community."""
    months = [Period(date(year, m, 1), (date(year, m + 1, 1) if m < 12 else date(year + 1, 1, 1)).replace(day=1)
                     - (date(year, 1, 2) - date(year, 1, 1))) for m in range(1, 13)]
    return [Period(date(year, 1, 1), date(year, 12, 31)), *months]


def figures(year: int) -> dict:
    """Every figure of the overview, the adoption page and the rates page, per period, as plain values."""
    from portal.meetings.rates import attendance_rates, monthly_attendance
    from portal.models import Community
    from portal.reports.figures import committee_figures
    from portal.suggestions.adoption import (
        adoption_by_category,
        adoption_by_community,
        adoption_by_deputy,
        adoption_by_month,
        answers_in_period,
        opinions_by_category,
        opinions_by_community,
    )

    found = {}
    community_ids = list(_db.session.scalars(select(Community.id).order_by(Community.id)))
    for period in periods(year) + [Period(date(year, 1, 1), date(year, 12, 31), c) for c in community_ids]:
        f = committee_figures(period)
        found[period] = {
            "overview": (f.deputies_in_communities, f.opinions, f.submitted, f.adopted, f.answered, f.matters_done,
                         f.voter_meetings, astuple(f.attendance), f.ballots, f.satisfied),
            "adoption": [astuple(row) for fn in (adoption_by_category, adoption_by_community, adoption_by_deputy,
                                                 adoption_by_month) for row in fn(period)],
            "answers": astuple(answers_in_period(period)),
            "opinions": (opinions_by_category(period), opinions_by_community(period)),
            "rates": [(r.deputy.name, r.community, astuple(r.tally)) for r in attendance_rates(period)],
            "monthly": [(month, astuple(t)) for month, t in monthly_attendance(period)],
        }
    return found


def wipe_records() -> None:
    """An empty portal: the same deputies, communities and lists, and no record."""
    from portal.evaluations.models import Evaluation
    from portal.matters.models import PracticalMatter, practical_matter_deputies
    from portal.meetings.models import Attendance, AttendanceChange, Meeting, MeetingRoster
    from portal.opinions.models import Opinion
    from portal.suggestions.models import AnswerFeedback, Suggestion, SuggestionEvent, suggestion_deputies

    for target in (practical_matter_deputies, PracticalMatter, Opinion, AnswerFeedback, SuggestionEvent, suggestion_deputies,
                   Suggestion, AttendanceChange, Attendance, MeetingRoster, Meeting, Evaluation):
        _db.session.execute(delete(target))
    _db.session.commit()


def run_import(filename: str, data: bytes, commit: bool = True):
    from portal.importing import read_sheets
    from portal.ledger.services import import_ledger, record_import

    _deputies, staff = _people()
    result = import_ledger(staff, read_sheets(filename, data))
    if commit and not result.errors and result.created:  # as the page: only an import that creates is confirmed
        record_import(filename, result)
        _db.session.commit()
    else:
        _db.session.rollback()
    return result


@pytest.mark.postgres  # the number counters and each row's savepoint
def test_an_export_imported_into_an_empty_portal_gives_every_figure_of_every_period(street):
    from portal.ledger.workbooks import ledger_export_body

    year = local_today().year - 1
    build_history(year)
    before = figures(year)
    assert before[periods(year)[0]]["overview"][1:4] == (6, 3, 1)  # opinions, submitted, adopted: the history is there
    exported = ledger_export_body()
    wipe_records()
    assert figures(year) != before

    result = run_import("ledgers.xlsx", exported)
    assert result.errors == []
    assert {c.kind.key: (c.created, c.present) for c in result.counts} == {
        "meetings": (3, 0), "opinions": (6, 0), "suggestions": (4, 0), "matters": (2, 0), "evaluations": (3, 0)}
    assert figures(year) == before
    assert ledger_export_body() == exported or _sheets(ledger_export_body()) == _sheets(exported)


def _sheets(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_each_area_export_imports_unchanged_and_a_second_import_creates_nothing(street, app):
    from portal.evaluations.exports import evaluations_table
    from portal.evaluations.services import overview, year_period
    from portal.exports import csv_body, xlsx_body
    from portal.matters.exports import matters_table
    from portal.matters.services import matters_query
    from portal.meetings.exports import meetings_table
    from portal.meetings.models import Meeting
    from portal.opinions.exports import opinions_table
    from portal.opinions.services import opinions_query
    from portal.suggestions.exports import suggestions_table
    from portal.suggestions.services import suggestions_query

    year = local_today().year - 1
    build_history(year)
    before = figures(year)
    starts, ends = year_period(year)
    tables = [
        ("meetings.csv", meetings_table(select(Meeting).order_by(Meeting.starts_at))),
        ("opinions.xlsx", opinions_table(opinions_query())),
        ("suggestions.csv", suggestions_table(suggestions_query())),
        ("matters.xlsx", matters_table(matters_query())),
        ("evaluations.csv", evaluations_table(overview(starts, ends), starts, ends)),
    ]
    files = [(name, csv_body(*table).encode() if name.endswith(".csv") else xlsx_body(*table)) for name, table in tables]
    for name, data in files:  # into the portal they came from: every row is there already
        result = run_import(name, data)
        assert result.errors == [] and result.created == 0 and result.present > 0, name
    wipe_records()
    for name, data in files:  # each area's own download, one after the other (opinions name their meeting …)
        result = run_import(name, data)
        assert result.errors == [] and result.created > 0, (name, result.errors)
    after = figures(year)
    evaluation_half_year = periods(year)  # the half-year evaluation is not on the yearly overview export
    for period in evaluation_half_year:
        for key in ("adoption", "answers", "opinions", "rates", "monthly"):
            assert after[period][key] == before[period][key], (period, key)
        assert after[period]["overview"][:-2] == before[period]["overview"][:-2], period
    for name, data in files:
        assert run_import(name, data).created == 0, name
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")) == 5


@pytest.mark.postgres  # the number counters and each row's savepoint
def test_a_new_record_never_takes_an_imported_number(street):
    from portal.opinions.models import Opinion

    header = "编号,收集日期,代表,社区,领域,意见\n"
    result = run_import("o.csv", (header + f"YJ-000500,{local_today().year - 1}-03-01,夏虹,气象街社区,其他,路灯坏了\n").encode())
    assert result.errors == [] and result.created == 1
    from portal.opinions.models import CollectionMethod
    from portal.opinions.services import active_categories, record_opinion

    deputies, staff = _people()
    fresh = record_opinion(staff, deputies["夏虹"], "新意见", deputies["夏虹"].deputy.community, active_categories()[0],
                           local_today(), CollectionMethod.OTHER)
    _db.session.commit()
    assert fresh.number == "YJ-000501"
    assert sorted(_db.session.scalars(select(Opinion.number))) == ["YJ-000500", "YJ-000501"]


@pytest.mark.postgres  # the number counters and each row's savepoint
def test_every_bad_row_is_named_in_chinese_and_nothing_is_written(street):
    from portal.opinions.models import Opinion

    year = local_today().year - 1
    rows = [
        f"YJ-000001,{year}-03-01,夏虹,气象街社区,其他,好的一行,,,走访",
        f"YJ-000002,{year}-13-01,夏虹,气象街社区,其他,日期错了,,,走访",
        f"YJ-000003,{year}-03-01,无名氏,气象街社区,其他,没有这个代表,,,走访",
        f"YJ-000004,{year}-03-01,夏虹,月亮社区,其他,没有这个社区,,,走访",
        f"YJ-000005,{year}-03-01,夏虹,气象街社区,其他,,,,走访",
        f"YJ-000001,{year}-03-01,夏虹,气象街社区,其他,编号重复,,,走访",
        f"YJ-000006,{year}-03-01,夏虹,气象街社区,其他,人数错了,,很多,走访",
        f"YJ-000007,{local_today().year + 1}-03-01,夏虹,气象街社区,其他,将来的日期,,,走访",
    ]
    data = ("编号,收集日期,代表,社区,领域,意见,选民姓名,选民人数,收集方式\n" + "\n".join(rows) + "\n").encode("gb18030")
    result = run_import("意见.csv", data)
    errors = {(e.line, e.column): e.message for e in result.errors}
    assert set(errors) == {(3, "B（收集日期）"), (4, "C（代表）"), (5, "D（社区）"), (6, "F（意见）"), (7, "A（编号）"),
                           (8, "H（选民人数）"), (9, "B（收集日期）")}
    assert "不是日期" in errors[3, "B（收集日期）"] and "无名氏" in errors[4, "C（代表）"] and "月亮社区" in errors[5, "D（社区）"]
    assert "第 2 行" in errors[7, "A（编号）"] or "2" in errors[7, "A（编号）"]
    assert _db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_a_formula_cell_is_refused_at_its_cell(street):
    from portal.errors import ServiceError
    from portal.importing import read_sheets

    book = Workbook()
    sheet = book.active
    sheet.title = "选民意见"
    sheet.append(["编号", "收集日期", "代表", "社区", "领域", "意见"])
    sheet.append(["YJ-000001", "2024-03-01", "夏虹", "气象街社区", "其他", '=HYPERLINK("http://x","点我")'])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ServiceError) as error:
        read_sheets("o.xlsx", data.getvalue())
    assert "公式" in error.value.message and "F" in error.value.message


def test_text_that_looks_like_a_formula_round_trips_as_text(street):
    from portal.exports import csv_body
    from portal.opinions.exports import opinions_table
    from portal.opinions.models import Opinion
    from portal.opinions.services import opinions_query

    year = local_today().year - 1
    header = "编号,收集日期,代表,社区,领域,意见\n"
    run_import("o.csv", (header + f"YJ-000009,{year}-03-01,夏虹,气象街社区,其他,\"'=1+1 路灯\"\n").encode())
    assert _db.session.scalar(select(Opinion.content)) == "=1+1 路灯"
    exported = csv_body(*opinions_table(opinions_query()))
    assert "'=1+1 路灯" in exported


def test_the_templates_name_the_columns_and_offer_drop_down_lists(street, app):
    from portal.ledger.kinds import KINDS
    from portal.ledger.workbooks import template_body

    for kind in KINDS:
        book = load_workbook(io.BytesIO(template_body(kind)))
        sheet = book.worksheets[0]
        assert sheet.title == str(kind.title)
        assert [c.value for c in sheet[1]][0] == "编号"
        assert "填写说明" in book.sheetnames
        if kind.key in ("opinions", "meetings", "suggestions", "matters"):
            assert sheet.data_validations.dataValidation, kind.key
        result = run_import(f"{kind.key}.xlsx", template_body(kind))
        assert result.created == 0 and result.errors == []  # an empty template imports nothing, and says so


def _upload(client, name: str, data: bytes):
    return client.post("/ledger/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


OPINIONS_CSV = "编号,收集日期,人大代表,社区,领域,意见内容,收集方式\n"


def test_the_dry_run_writes_nothing_and_the_confirmation_imports_exactly_that_file(app, client, login, street, make_user):
    from portal.opinions.models import Opinion

    login(make_user(Role.STAFF))
    year = local_today().year - 1
    data = (OPINIONS_CSV + f"YJ-000101,{year}-04-01,夏虹,气象街社区,民生发展,路灯不亮,走访\n"
            f",{year}-04-02,王建国,东风社区,其他,垃圾清运不及时,其他\n").encode()
    page = _upload(client, "意见台账.csv", data).get_data(as_text=True)
    assert "试导入结果" in page and "导入 2 条记录" in page
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    token = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    with client.session_transaction() as session:
        kept = session["ledger_upload"]
    stored = app.instance_path + "/ledger-uploads/" + token
    open(stored, "ab").write(b"\n" + OPINIONS_CSV.encode())  # the kept file changed after the dry run
    response = client.post("/ledger/confirm", data={"upload": token})
    assert response.status_code == 302
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    open(stored, "wb").write(data)
    assert client.post("/ledger/confirm", data={"upload": "0" * 32}).status_code == 302  # not this user's upload
    response = client.post("/ledger/confirm", data={"upload": token}, follow_redirects=True)
    assert "意见台账.csv 已导入：新建 2 条记录，0 条已存在。" in response.get_data(as_text=True)
    with app.app_context():
        assert sorted(_db.session.scalars(select(Opinion.number))) == ["YJ-000101", "YJ-000102"]
        event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
        assert event.changes["file"] == [None, "意见台账.csv"] and event.changes["counts"][1]["opinions"] == [2, 0]
    assert kept["filename"] == "意见台账.csv"
    assert client.post("/ledger/confirm", data={"upload": token}).status_code == 302  # used once
    page = _upload(client, "意见台账.csv", data).get_data(as_text=True)
    assert "1 行已存在" in page and "没有需要导入的新记录" not in page  # the unnumbered row would be created again


def test_the_page_names_every_error_and_offers_no_confirmation(app, client, login, street, make_user):
    login(make_user(Role.STAFF))
    data = (OPINIONS_CSV + "YJ-1,2024-03-01,无名氏,气象街社区,其他,内容,走访\nYJ-2,2024-02-30,夏虹,气象街社区,其他,内容,走访\n")
    page = _upload(client, "bad.csv", data.encode("gb18030")).get_data(as_text=True)
    assert "未导入任何数据：bad.csv 中有 2 处错误" in page
    assert "<td>2</td><td>C（人大代表）</td><td>没有名为“无名氏”的代表。</td>" in page
    assert "<td>3</td><td>B（收集日期）</td><td>“2024-02-30”不是日期（请写成 2025-03-10）。</td>" in page
    assert 'action="/ledger/confirm"' not in page


@pytest.mark.parametrize(("name", "data", "message"), [
    ("ledger.txt", b"x", "请上传 .csv 或 .xlsx 文件"),
    ("ledger.xlsx", b"PK\x03\x04 not really", "无法读取该 XLSX 文件"),
    ("ledger.csv", "编号,收集日期\n".encode("utf-16"), "UTF-8 或 GBK"),
])
def test_a_file_of_the_wrong_type_is_refused_at_the_field(client, login, street, make_user, name, data, message):
    login(make_user(Role.STAFF))
    page = _upload(client, name, data).get_data(as_text=True)
    assert message in page


def test_a_file_over_the_row_limit_or_the_size_limit_writes_nothing(app, client, login, street, make_user):
    from portal.opinions.models import Opinion

    login(make_user(Role.STAFF))
    app.config["IMPORT_MAX_ROWS"] = 10
    rows = "".join(f",2024-03-01,夏虹,气象街社区,其他,意见{n},走访\n" for n in range(11))
    assert "超过 10 行" in _upload(client, "big.csv", (OPINIONS_CSV + rows).encode()).get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = _upload(client, "huge.csv", (OPINIONS_CSV + rows * 20).encode())
    assert response.status_code == 413
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_a_meeting_row_error_names_its_own_row_and_the_whole_meeting_stays_out(street):
    from portal.meetings.models import Meeting

    year = local_today().year - 1
    header = "编号,类型,标题,开始时间,结束时间,人大代表,状态,原因\n"
    rows = [f"HY-000900,工委工作会议,工作会议,{year}-04-01 09:00,{year}-04-01 11:00,{name},{status},{reason}"
            for name, status, reason in [("夏虹", "出席", ""), ("王建国", "请假", ""), ("李秀英", "迟到", "")]]
    result = run_import("会议.csv", (header + "\n".join(rows) + "\n").encode())
    assert [(e.line, e.column) for e in result.errors] == [(3, "H（原因）")]  # a leave needs its reason
    assert "请假" in result.errors[0].message or "原因" in result.errors[0].message
    assert _db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_the_command_line_checks_then_imports(app, street, tmp_path):
    from portal.opinions.models import Opinion

    ledger = tmp_path / "意见.csv"
    ledger.write_bytes((OPINIONS_CSV + f"YJ-000700,{local_today().year - 1}-04-01,夏虹,气象街社区,其他,路灯不亮,走访\n").encode())
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-ledger", str(ledger), "--as", "office", "--dry-run"])
    assert dry.exit_code == 0 and "opinions\tcreate 1" in dry.output
    assert _db.session.scalar(select(func.count()).select_from(Opinion)) == 0
    assert runner.invoke(args=["import-ledger", str(ledger), "--as", "dep0"]).exit_code != 0  # a deputy is not staff
    done = runner.invoke(args=["import-ledger", str(ledger), "--as", "office"])
    assert done.exit_code == 0 and "1 records imported." in done.output
    assert _db.session.scalar(select(Opinion.number)) == "YJ-000700"
