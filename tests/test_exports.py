"""The export helper and every export route: Chinese file names, numbers as numbers, and no cell ever a formula."""
import csv
import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from portal.clock import local_today
from portal.exports import content_disposition, csv_body, table_response, xlsx_body
from portal.extensions import db
from portal.meetings.models import AttendanceStatus, Meeting
from portal.meetings.marks import mark_attendance
from portal.meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
    set_roster,
)
from portal.models import Community, Role, User, utcnow
from portal.campaigns.services import CampaignFields, create_campaign
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.opinions.models import Category, CollectionMethod
from portal.opinions.services import ensure_default_categories, record_opinion
from portal.periods import last_quarter
from portal.points.services import publish_quarter
from portal.suggestions.models import Suggestion, SuggestionState

from .conftest import shared_world

pytestmark = pytest.mark.dates  # also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)

EVIL = '=HYPERLINK("http://evil.example/","点我")'
DANGEROUS = [EVIL, "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1"]


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_csv_writes_formula_like_text_with_a_quote_and_keeps_numbers():
    rows = read_csv(csv_body(["名字", "数"], [[value, 1] for value in DANGEROUS] + [["王建国", 0.25], [None, 3]]))
    assert [row[0] for row in rows[1:7]] == ["'" + value for value in DANGEROUS]
    assert rows[7] == ["王建国", "0.25"] and rows[8] == ["", "3"]


def test_xlsx_writes_formula_like_text_as_text_and_numbers_as_numbers():
    sheet = read_xlsx(xlsx_body(["名字", "出席率"], [[value, 0.5] for value in DANGEROUS] + [["17/69", 3]], percent_columns=(1,)))
    for row, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.value in {value, value.replace("\r", "\n")}  # an XML parser may read a carriage return as a line feed
        assert cell.data_type == "s" and cell.quotePrefix
    assert sheet["B2"].value == 0.5 and sheet["B2"].data_type == "n" and sheet["B2"].number_format == "0.0%"
    assert sheet["A8"].value == "17/69" and sheet["B8"].value == 3
    assert sheet["A1"].value == "名字" and not sheet["A1"].quotePrefix


def test_chinese_file_name_has_an_ascii_fallback_and_the_utf8_name(app):
    header = content_disposition("出席率-2026.xlsx")
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith("-2026.xlsx")
    assert unquote(header.split("filename*=UTF-8''")[1]) == "出席率-2026.xlsx"
    with app.test_request_context():
        response = table_response("csv", ["a"], [[1]], "出席率")
        assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
        assert "filename*=UTF-8''%E5%87%BA%E5%B8%AD%E7%8E%87.csv" in response.headers["Content-Disposition"]
        with pytest.raises(ValueError):
            table_response("pdf", ["a"], [[1]], "x")


def build_evil_world(app, make_user, make_community):
    community = make_community(EVIL)
    people = {
        "staff": make_user(Role.STAFF),
        "evil": make_user(Role.DEPUTY, name=EVIL, community_id=community),
        "plain": make_user(Role.DEPUTY, name="王建国", community_id=community),
    }
    with app.app_context():
        ensure_default_meeting_kinds()
        ensure_default_categories()
        staff = db.session.get(User, people["staff"].id)
        start = utcnow() - timedelta(days=1)
        meeting = create_meeting(staff, MeetingFields(meeting_kinds()[0], "工委工作会议", start, start + timedelta(hours=2)))
        set_roster(meeting, [people["evil"].id, people["plain"].id])
        mark_attendance(staff, meeting, people["evil"].id, AttendanceStatus.PRESENT)
        mark_attendance(staff, meeting, people["plain"].id, AttendanceStatus.EXCUSED, EVIL)
        close_meeting(staff, meeting)
        db.session.add(Suggestion(
            title="建言", content="内容", category=db.session.query(Category).first(), community=db.session.get(Community, community),
            state=SuggestionState.ADOPTED, submitted_on=local_today(), created_by_id=people["evil"].id,
            deputies=[db.session.get(User, people["evil"].id)],
        ))
        evil = db.session.get(User, people["evil"].id)
        evil_community = db.session.get(Community, community)
        record_opinion(evil, evil, "路灯不亮", evil_community, db.session.query(Category).first(), local_today(), CollectionMethod.VISIT)
        create_matter(evil, MatterFields("修复路灯", "", evil_community, [evil], local_today(), MatterState.DONE))
        create_campaign(CampaignFields("建言献策活动", local_today() - timedelta(days=30), local_today() + timedelta(days=30), "", True))
        publication = publish_quarter(staff, last_quarter().start)  # the deputy and the community named EVIL in it
        db.session.commit()
        people["meeting"] = meeting.id
        people["publication"] = publication.id
    return people


evil_world = shared_world(build_evil_world)


def exported_cells(client, url: str) -> tuple[list[str], list]:
    """Every non-empty cell of the CSV and of the XLSX export at `url` (without the extension)."""
    response = client.get(url + ".csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    csv_cells = [cell for row in read_csv(response.get_data(as_text=True)) for cell in row if cell]
    sheet = read_xlsx(client.get(url + ".xlsx").data)
    xlsx_cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    return csv_cells, xlsx_cells


@pytest.mark.parametrize("path", ["/meetings/{meeting}/export", "/meetings/rates/export", "/suggestions/figures/export",
                                  "/opinions/export", "/suggestions/export", "/matters/export", "/evaluations/export",
                                  "/deputies/export", "/campaigns/matrix/export", "/meetings/export", "/ledger/export.xlsx",
                                  "/points/publications/{publication}/export.xlsx"])
def test_export_routes_write_names_and_reasons_as_text(client, login, evil_world, path):
    login(evil_world["staff"])
    if path.endswith(".xlsx"):  # a workbook-only download (every ledger, one sheet each)
        book = load_workbook(io.BytesIO(client.get(path.format(publication=evil_world["publication"])).data))
        xlsx_cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    else:
        csv_cells, xlsx_cells = exported_cells(client, path.format(meeting=evil_world["meeting"]))
        assert "'" + EVIL in csv_cells and EVIL not in csv_cells
    evil = [cell for cell in xlsx_cells if cell.value == EVIL]
    assert evil and all(cell.data_type == "s" and cell.quotePrefix for cell in evil)
    assert not any(cell.data_type == "f" for cell in xlsx_cells)


def test_meeting_export_keeps_the_leave_reason_and_the_community_as_text(client, login, evil_world):
    login(evil_world["staff"])
    rows = read_csv(client.get(f"/meetings/{evil_world['meeting']}/export.csv").get_data(as_text=True))
    plain = next(row for row in rows if row and row[0] == "王建国")
    assert plain[2] == "'" + EVIL and plain[4] == "'" + EVIL


def test_a_csv_download_names_its_charset_once(app):
    from portal.exports import table_response

    with app.test_request_context():
        response = table_response("csv", ["名称"], [["气象街"]], "测试")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
