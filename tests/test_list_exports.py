"""Every list downloads as CSV and XLSX with the page's filters, read back; a cell starting with = stays text."""
import csv
import io
from datetime import date

import openpyxl
import pytest

from portal.campaigns.models import ItemKind
from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, save_record
from portal.evaluations.services import record_evaluation
from portal.extensions import db as _db
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.models import Community, Role, User
from portal.opinions.models import Category, CollectionMethod
from portal.opinions.services import record_opinion
from portal.suggestions.models import SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

from .conftest import shared_world

DAY = date(2025, 3, 10)


def build_world(app, make_user, make_community):
    """One of everything in 东风 (and in a community whose name starts with =), plus a decoy in 和平里."""
    east, west, odd = make_community("东风社区"), make_community("和平里社区"), make_community("=社区")
    a = make_user(Role.DEPUTY, name="张三", community_id=east)
    b = make_user(Role.DEPUTY, name="李四", community_id=odd)
    c = make_user(Role.DEPUTY, name="王五", community_id=west)
    staff = make_user(Role.STAFF)
    with app.app_context():
        actor = _db.session.get(User, staff.id)
        deputy = _db.session.get(User, a.id)
        east_c, west_c = _db.session.get(Community, east), _db.session.get(Community, west)
        category = Category(name="社区建设")
        _db.session.add(category)
        _db.session.flush()
        method = list(CollectionMethod)[0]
        opinion = record_opinion(actor, deputy, "=HYPERLINK(\"http://x\")", east_c, category, DAY, method)
        record_opinion(actor, _db.session.get(User, c.id), "和平里的意见", west_c, category, DAY, method)
        suggestion = create_suggestion(actor, SuggestionFields("=修路", "把路修好", category, [deputy], east_c), [opinion.id])
        transition(actor, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, "报区委", on=date(2025, 3, 20))
        transition(actor, suggestion, SuggestionState.ADOPTED, SuggestionState.SUBMITTED, "=区委已采纳，年内修复")
        create_matter(actor, MatterFields("+修复路面", "气象街30-54号", east_c, [deputy], DAY, MatterState.DONE, 120))
        create_matter(actor, MatterFields("安装健身器材", "和平里", west_c, [_db.session.get(User, c.id)], DAY, MatterState.DONE))
        for user, n in ((a, 9), (b, 5)):
            record_evaluation(actor, _db.session.get(User, user.id), date(2025, 1, 1), date(2025, 12, 31), n, 1, 0)
        campaign = create_campaign(CampaignFields("建言献策活动", date(2025, 1, 1), date(2025, 12, 31), "", is_current=True))
        item = next(i for i in campaign.items if i.kind is ItemKind.COMMUNITY_DAY)
        save_record(deputy, item, deputy, RecordFields(DAY, east, "在社区体验一天。"), today_=date(2025, 12, 31))
        _db.session.commit()
    return {"staff": staff, "east": east, "odd": odd}


world = shared_world(build_world)


def read_back(response) -> list[list]:
    """The rows of a CSV or XLSX download, as text (CSV) or cell values (XLSX)."""
    assert response.status_code == 200
    if response.mimetype == "text/csv":
        text = response.get_data().decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:])))
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                assert cell.data_type == "s"  # text, never a formula
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_exports_with_its_filters(client, login, world, fmt):
    login(world["staff"])
    east = world["east"]
    text = (lambda v: "'" + v) if fmt == "csv" else (lambda v: v)  # the CSV marks a formula-like cell as text

    rows = read_back(client.get(f"/opinions/export.{fmt}?community={east}&start=2025-03-01&end=2025-03-31"))
    assert len(rows) == 2 and rows[1][5] == text('=HYPERLINK("http://x")')
    assert rows[0][0] == "编号" and rows[1][0].startswith("YJ-")  # each record's number (编号)

    rows = read_back(client.get(f"/suggestions/export.{fmt}?state=adopted"))
    assert len(rows) == 2 and rows[1][1] == text("=修路")
    assert "2025-03-20" in [str(v) for v in rows[1]]  # the submission date of the 已上报 step
    assert text("=区委已采纳，年内修复") in rows[1]  # the district's answer, as text

    rows = read_back(client.get(f"/matters/export.{fmt}?community={east}&state=done&start=2025-01-01&end=2025-12-31"))
    assert [r[2] for r in rows[1:]] == [text("+修复路面")]
    assert read_back(client.get(f"/matters/export.{fmt}?start=2026-01-01")) [1:] == []

    rows = read_back(client.get(f"/evaluations/export.{fmt}?year=2025&community={world['odd']}"))
    assert len(rows) == 2 and rows[1][1] == "李四" and rows[1][2] == text("=社区")
    assert [str(v) for v in rows[1][5:9]] == ["5", "1", "0", "6"]

    rows = read_back(client.get(f"/deputies/export.{fmt}?community={east}"))
    assert [r[0] for r in rows[1:]] == ["张三"]

    rows = read_back(client.get(f"/campaigns/matrix/export.{fmt}?community={east}"))
    assert [r[0] for r in rows[1:]] == ["张三"]
    assert "2025-03-10" in [str(v) for v in rows[1]]


def test_an_unknown_format_is_not_found(client, login, world):
    login(world["staff"])
    for path in ("/opinions/export.pdf", "/suggestions/export.txt", "/matters/export.doc", "/evaluations/export.ods",
                 "/deputies/export.json", "/campaigns/matrix/export.html"):
        assert client.get(path).status_code == 404, path
