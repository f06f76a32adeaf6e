"""The work report: its numbers on hand-made data, the Word document read back with python-docx, the charts."""
import io
import re
from datetime import date

import docx
import pytest

from portal.extensions import db as _db
from portal.reports.figures import committee_figures
from portal.periods import Period
from portal.reports.charts import flat_charts
from portal.reports.report import work_report

from .reports_data import busy_deputies, count_queries, street  # noqa: F401 (fixtures)

YEAR = "start=2025-01-01&end=2025-12-31"


@pytest.mark.postgres
def test_the_report_gathers_the_overviews_figures(app, street):
    with app.app_context():
        report = work_report(Period(date(2025, 1, 1), date(2025, 12, 31)))
        f = report.figures
        assert (f.deputies_in_communities, f.opinions, f.submitted, f.adopted, f.matters_done, f.voter_meetings) == (1, 2, 2, 1, 1, 1)
        assert (f.attendance.expected, f.attendance.attended, f.attendance.excused) == (4, 2, 1)
        assert (f.ballots, f.satisfied) == (10, 8)
        [(campaign, tallies)] = report.campaigns
        assert [(t.done, t.deputies) for t in tallies.items] == [(1, 3), (1, 3), (0, 3), (0, 3)]
        assert report.opinions_by_category == [("经济发展", 2)]
        assert [(r.label, r.submitted, r.adopted) for r in report.adoption_by_community] == [("气象街社区", 2, 1)]
        assert [(s.value, n) for s, n in report.state_counts if n] == [("submitted", 1), ("adopted", 1)]
        assert [(o.suggestion.title, o.answer.note) for o in report.adopted] == [("修复路面", "区委采纳，交市政落实。")]
        assert [m.title for m in report.matters] == ["修复气象街30-54号路面"]
        months = dict(report.attendance_by_month)
        assert len(months) == 12 and (months[date(2025, 4, 1)].expected, months[date(2025, 4, 1)].attended) == (2, 1)
        assert sum((t for t in months.values()), start=type(f.attendance)()) == f.attendance
        assert [m.title for m in report.voter_meetings] == ["见面会"]
        assert [(e.deputy.name, rating.value) for e, rating in report.evaluations] == [("夏虹", "competent")]


def test_a_community_narrows_every_part(app, street):
    with app.app_context():
        report = work_report(Period(date(2025, 1, 1), date(2025, 12, 31), street["hp"]))
        assert report.figures.opinions == 0 and report.adopted == [] and report.matters == []
        assert report.figures.attendance.expected == 0 and report.evaluations == []
        [(campaign, tallies)] = report.campaigns
        assert tallies.deputies == 1 and [t.done for t in tallies.items] == [0, 0, 0, 0]
        assert report.community.name == "和平里社区"


def _document(client) -> docx.Document:
    response = client.get(f"/reports/work-report.docx?{YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response.headers["Content-Disposition"]
    return docx.Document(io.BytesIO(response.data))


def test_the_word_document_says_the_numbers(client, login, street):
    login(street["staff"])
    document = _document(client)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "××街道人大工委工作汇报" in text
    assert "已有1位代表深入社区，收集选民意见2条，上报区委建言2条，被区委采纳1条，采纳率50%。" in text
    tables = {tuple(cell.text for cell in table.rows[0].cells): [[cell.text for cell in row.cells] for row in table.rows[1:]]
              for table in document.tables}
    tables.update({header[0]: rows for header, rows in tables.items() if header[0] != "日期"})
    assert dict(tables["指标"])["采纳率"] == "50.0%" and dict(tables["指标"])["出席率"] == "50.0%"
    assert dict(tables["指标"])["选民满意率"] == "80.0%" and dict(tables["指标"])["办结实事"] == "1"
    assert tables["项目"][0] == ["体验一天", "1", "0", "3", "33%"]
    assert tables["领域"] == [["经济发展", "2", "2", "1", "50%"]]
    assert tables["社区"] == [["气象街社区", "2", "2", "1", "50%"]]
    adopted = tables["上报日期"]
    assert adopted[0][1:5] == ["修复路面", "夏虹、王明", "经济发展", "已采纳"]
    assert adopted[0][5] == "区委采纳，交市政落实。（2025年5月20日）"  # the day the district answered, not the day of entry
    assert tables["日期", "实事", "地点", "社区"] == [["2025年7月31日", "修复气象街30-54号路面", "气象街30-54号", "气象街社区"]]
    assert tables["日期", "会议", "地点", "到场选民人数"] == [["2025年4月1日", "见面会", "居委会活动室", "—"]]
    april = next(row for row in tables["月份"] if row[0] == "2025-04")
    assert april == ["2025-04", "2", "1", "0", "50.0%"]
    assert tables["人大代表"] == [["夏虹", "2025年1月1日 – 2025年12月31日", "8", "1", "1", "80%", "称职"]]


def test_the_report_page_shows_the_same_numbers_and_its_charts(client, login, street):
    login(street["staff"])
    page = client.get(f"/reports/?{YEAR}").get_data(as_text=True)
    assert "已有1位代表深入社区，收集选民意见2条，上报区委建言2条，被区委采纳1条，采纳率50%。" in page
    assert 'href="/reports/work-report.docx?start=2025-01-01&amp;end=2025-12-31"' in page
    for key in ("category", "community", "states", "attendance"):
        assert f'id="chart-{key}"' in page


def test_charts_keep_to_the_csp(client, login, street):
    """No style attribute, no <style>, no <script> in any chart; every chart has its numbers as a table."""
    login(street["staff"])
    for url in (f"/staff?{YEAR}", f"/suggestions/figures?{YEAR}", f"/meetings/rates?{YEAR}", f"/reports/?{YEAR}"):
        page = client.get(url).get_data(as_text=True)
        svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
        assert svgs, url
        for svg in svgs:
            assert "style=" not in svg and "<style" not in svg and "<script" not in svg and "<desc" in svg
        assert page.count('<details class="chart-table">') == len(svgs)


def test_chart_numbers_come_from_the_figures(app, street):
    with app.app_context():
        period = Period(date(2025, 1, 1), date(2025, 12, 31))
        charts = {chart.key: chart for chart in flat_charts(period, ("category", "community", "states", "attendance"))}
        assert charts["category"].rows == [["经济发展", "2", "2", "1"]]
        assert charts["states"].rows == [["已上报", "1"], ["已采纳", "1"], ["未采纳", "0"], ["落实中", "0"], ["已落实", "0"]]
        april = next(row for row in charts["attendance"].rows if row[0] == "4月")
        assert april == ["4月", "50%"]
        assert len(charts["attendance"].rects) == 2  # April and June held counted meetings; the other months draw nothing
        assert sum(f for f in [committee_figures(period).submitted]) == sum(int(r[1]) for r in charts["states"].rows)


def test_a_deputy_gets_no_report(client, login, street):
    login(street["a"])
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/work-report.docx").status_code == 403


def test_report_pages_cost_the_same_at_two_scales(app, client, login, street, busy_deputies):
    """More deputies, opinions, adopted suggestions, matters and evaluations add rows, not queries."""
    login(street["staff"])
    urls = [f"/reports/?{YEAR}", f"/reports/work-report.docx?{YEAR}", f"/staff?{YEAR}"]
    with app.app_context():
        before = [count_queries(client, url) for url in urls]
    busy_deputies()
    with app.app_context():
        after = [count_queries(client, url) for url in urls]
    assert after == before
