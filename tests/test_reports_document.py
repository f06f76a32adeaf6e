"""The work report: its numbers on hand-made data, the Word document read back with python-docx and as XML, the charts."""
import gzip
import io
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import docx
import pytest
import time_machine
from lxml import etree
from PIL import Image

from portal.clock import to_local
from portal.extensions import db as _db
from portal.models import utcnow
from portal.reports import document
from portal.reports.document import DocumentProperties, Section, Table, word_document
from portal.reports.figures import committee_figures
from portal.periods import Period
from portal.reports.charts import flat_charts
from portal.reports.report import work_report
from portal.settings import set_committee_name

from .reports_data import busy_deputies, count_queries, street  # noqa: F401 (fixtures)

YEAR = "start=2025-01-01&end=2025-12-31"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {
    "w": W[1:-1],
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


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


def _download(client, headers=None):
    response = client.get(f"/reports/work-report.docx?{YEAR}", headers=headers or {})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def _document(client) -> docx.Document:
    return docx.Document(io.BytesIO(_download(client).data))


def _parts(body: bytes) -> dict[str, etree._Element]:
    """The package's XML parts, parsed."""
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        return {name: etree.fromstring(package.read(name)) for name in package.namelist() if name.endswith((".xml", ".rels"))}


def _style(styles, style_id: str):
    return styles.find(f"w:style[@w:styleId='{style_id}']", NS)


def _value(element, path: str, attribute: str = "val"):
    found = element.find(path, NS)
    return None if found is None else found.get(W + attribute)


def test_the_word_document_says_the_numbers(client, login, street):
    login(street["staff"])
    document = _document(client)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "××街道人大工委工作汇报" in text
    assert "已有1位代表深入社区，收集选民意见2条，上报区委建言2条，被区委采纳1条，采纳率50%。" in text
    tables = {tuple(cell.text for cell in table.rows[0].cells): [[cell.text for cell in row.cells] for row in table.rows[1:]]
              for table in document.tables}
    tables.update({header[0]: rows for header, rows in tables.items() if header[0] != "日期"})
    assert dict(tables["指标"])["采纳率"] == "50%" and dict(tables["指标"])["出席率"] == "50%"
    assert dict(tables["指标"])["选民满意率"] == "80%" and dict(tables["指标"])["办结实事"] == "1"
    assert tables["项目"][0] == ["体验一天", "1", "0", "3", "33%"]
    assert tables["领域"] == [["经济发展", "2", "2", "1", "50%"]]
    assert tables["社区"] == [["气象街社区", "2", "2", "1", "50%"]]
    adopted = tables["上报日期"]
    assert adopted[0][1:5] == ["修复路面", "夏虹、王明", "经济发展", "已采纳"]
    assert adopted[0][5] == "区委采纳，交市政落实。（2025年5月20日）"  # the day the district answered, not the day of entry
    assert tables["日期", "实事", "地点", "社区"] == [["2025年7月31日", "修复气象街30-54号路面", "气象街30-54号", "气象街社区"]]
    assert tables["日期", "会议", "地点", "到场选民人数"] == [["2025年4月1日", "见面会", "居委会活动室", "—"]]
    april = next(row for row in tables["月份"] if row[0] == "2025-04")
    assert april == ["2025-04", "2", "1", "0", "50%"]
    assert tables["人大代表"] == [["夏虹", "2025年1月1日 – 2025年12月31日", "8", "1", "1", "80%", "称职"]]


def test_every_rate_is_rounded_by_one_rule(client, login, street):
    """Whole per cent, half up, in the sentences and the tables alike: the same rate reads the same everywhere."""
    login(street["staff"])
    document_ = _document(client)
    texts = [p.text for p in document_.paragraphs] + [c.text for t in document_.tables for r in t.rows for c in r.cells]
    rates = re.findall(r"\d+(?:\.\d+)?%", "\n".join(texts))
    assert rates and all(re.fullmatch(r"\d+%", rate) for rate in rates)
    attendance = next(p.text for p in document_.paragraphs if "应到" in p.text and "%" in p.text)
    assert "50%" in attendance  # 2 of 4 places, as the figures table says
    assert "33%" in "\n".join(texts)  # 体验一天: 1 of 3 deputies


def test_the_word_document_is_laid_out_for_official_documents(client, login, street):
    """GB/T 9704: A4, margins 37/35/28/26 mm, 22 lines of 28 characters, 小标宋 二号 title, 仿宋 三号 body, fallbacks."""
    login(street["staff"])
    parts = _parts(_download(client).data)
    body, styles, fonts = parts["word/document.xml"], parts["word/styles.xml"], parts["word/fontTable.xml"]
    section = body.find("w:body/w:sectPr", NS)
    size, margins, grid = (section.find(f"w:{tag}", NS) for tag in ("pgSz", "pgMar", "docGrid"))
    width, height = int(size.get(W + "w")), int(size.get(W + "h"))
    assert (width, height) == (11906, 16838)  # 210 × 297 mm in twips
    mm = {side: round(int(margins.get(W + side)) * 25.4 / 1440) for side in ("top", "bottom", "left", "right")}
    assert mm == {"top": 37, "bottom": 35, "left": 28, "right": 26}
    text_width = width - int(margins.get(W + "left")) - int(margins.get(W + "right"))
    text_height = height - int(margins.get(W + "top")) - int(margins.get(W + "bottom"))
    assert grid.get(W + "type") == "linesAndChars"
    assert text_height // int(grid.get(W + "linePitch")) == 22
    character = 16 + int(grid.get(W + "charSpace")) / 4096  # points: 三号 and the grid's adjustment
    assert int(text_width / 20 / character) == 28
    defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    assert _value(defaults, "w:rFonts", "eastAsia") == "仿宋_GB2312" and _value(defaults, "w:sz") == "32"
    assert _value(_style(styles, "Normal"), "w:rPr/w:sz") == "32"
    title = _style(styles, "Title")
    assert _value(title, "w:rPr/w:rFonts", "eastAsia") == "方正小标宋简体" and _value(title, "w:rPr/w:sz") == "44"
    assert _value(title, "w:pPr/w:jc") == "center"
    assert _value(_style(styles, "Heading1"), "w:rPr/w:rFonts", "eastAsia") == "黑体"
    assert _value(_style(styles, "BodyText"), "w:pPr/w:ind", "firstLineChars") == "200"
    declared = {font.get(W + "name"): _value(font, "w:altName") for font in fonts.findall("w:font", NS)}
    assert "仿宋" in declared["仿宋_GB2312"].split(",") and "宋体" in declared["方正小标宋简体"].split(",")
    used = {value for element in styles.iter(W + "rFonts") for value in element.attrib.values()}
    assert used <= set(declared)
    paragraphs = body.findall("w:body/w:p", NS)
    assert _value(paragraphs[0], "w:pPr/w:pStyle") == "Title"
    headings = ["".join(p.itertext()) for p in paragraphs if _value(p, "w:pPr/w:pStyle") == "Heading1"]
    assert headings[:2] == ["一、主要数据", "二、“四个一”活动"]


def test_the_word_document_numbers_its_pages(client, login, street):
    """“— 1 —” in 宋体 四号 half-width digits under the text block, on the outer edge: right on odd pages, left on even."""
    login(street["staff"])
    parts = _parts(_download(client).data)
    section = parts["word/document.xml"].find("w:body/w:sectPr", NS)
    references = {ref.get(W + "type"): ref.get("{%s}id" % NS["r"]) for ref in section.findall("w:footerReference", NS)}
    targets = {rel.get("Id"): rel.get("Target") for rel in parts["word/_rels/document.xml.rels"]}
    assert parts["word/settings.xml"].find("w:evenAndOddHeaders", NS) is not None
    for kind, side in (("default", "right"), ("even", "left")):
        footer = parts["word/" + targets[references[kind]]]
        paragraph = footer.find("w:p", NS)
        assert _value(paragraph, "w:pPr/w:jc") == side and _value(paragraph, "w:pPr/w:pStyle") == "Footer"
        assert paragraph.find("w:fldSimple", NS).get(W + "instr").strip() == "PAGE"
        assert "".join(paragraph.itertext()) == "— 1 —"
    footer_style = _style(parts["word/styles.xml"], "Footer")
    assert _value(footer_style, "w:rPr/w:rFonts", "eastAsia") == "宋体" and _value(footer_style, "w:rPr/w:sz") == "28"


def test_the_word_document_says_who_wrote_it_and_when(app, client, login, street):
    """Core properties: the committee's saved name as author, the report's title, subject and keywords, now on the portal's clock."""
    with app.app_context():
        set_committee_name("气象街街道人大工委")
        _db.session.commit()
    login(street["staff"])
    instant = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)  # stopped ahead; zip keeps even seconds
    with time_machine.travel(instant, tick=False):
        response = _download(client)
    properties = docx.Document(io.BytesIO(response.data)).core_properties
    assert properties.author == properties.last_modified_by == "气象街街道人大工委"
    assert properties.title == "气象街街道人大工委工作汇报"
    assert properties.subject == "工作汇报（2025年1月1日至2025年12月31日）"
    assert "采纳率" in properties.keywords and properties.language == "zh-CN"
    assert properties.created == properties.modified == instant  # UTC, as Word keeps it
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        assert package.getinfo("word/document.xml").date_time == to_local(instant).timetuple()[:6]  # Beijing time


def test_the_title_and_file_name_use_the_saved_committee_name(app, client, login, street):
    with app.app_context():
        set_committee_name("气象街街道人大工委")
        _db.session.commit()
    login(street["staff"])
    response = _download(client)
    assert quote("气象街街道人大工委工作汇报-2025-01-01-2025-12-31.docx") in response.headers["Content-Disposition"]
    assert docx.Document(io.BytesIO(response.data)).paragraphs[0].text == "气象街街道人大工委工作汇报"
    assert "气象街街道人大工委工作汇报" in client.get(f"/reports/?{YEAR}").get_data(as_text=True)


def test_the_word_document_carries_the_overviews_charts_as_pictures(client, login, street):
    """Each chart of /staff as a PNG in the section whose tables hold its numbers, under its title, described for screen readers."""
    login(street["staff"])
    body = _download(client).data
    parts = _parts(body)
    pictures = parts["word/document.xml"].findall(".//wp:inline", NS)
    descriptions = [inline.find("wp:docPr", NS).get("descr") for inline in pictures]
    assert len(pictures) == 5
    assert [d.split("（")[0] for d in descriptions] == [
        "“四个一”各项完成率：2025年建言献策活动", "各领域意见与采纳", "各社区意见与采纳", "建言办理状态", "各月出席率"]
    assert "经济发展 2、2、1" in descriptions[1]
    targets = {rel.get("Id"): rel.get("Target") for rel in parts["word/_rels/document.xml.rels"]}
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        for inline in pictures:
            target = targets[inline.find(".//a:blip", NS).get("{%s}embed" % NS["r"])]
            image = Image.open(io.BytesIO(package.read("word/" + target)))
            assert image.format == "PNG" and image.width >= 600
            assert image.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # a white ground, as the page's
            width, height = (int(inline.find("wp:extent", NS).get(key)) for key in ("cx", "cy"))
            assert abs(width / height - image.width / image.height) < 0.02  # drawn at its own proportions
            assert width <= (11906 - 1587 - 1474) * 635  # within the text block
    assert len(docx.Document(io.BytesIO(body)).inline_shapes) == 5


def test_the_word_document_goes_without_charts_when_the_server_has_no_cjk_font(app, client, login, street):
    login(street["staff"])
    app.config["CHART_FONT"] = "/nonexistent/font.ttc"
    try:
        body = _download(client).data
    finally:
        app.config["CHART_FONT"] = None
    read = docx.Document(io.BytesIO(body))
    assert len(read.inline_shapes) == 0
    assert "已有1位代表深入社区" in "".join(p.text for p in read.paragraphs)


def test_the_word_document_is_compressed_once(client, login, street):
    """Every part of the package deflated; the answer not compressed again (gzip would gain next to nothing)."""
    login(street["staff"])
    response = _download(client, {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        assert {info.compress_type for info in package.infolist()} == {zipfile.ZIP_DEFLATED}
        assert package.testzip() is None
    assert len(gzip.compress(response.data)) > 0.95 * len(response.data)


def test_any_text_becomes_valid_xml(app):
    """Markup, a control character pasted from elsewhere and line breaks: the document stays readable, the text as typed."""
    hostile = 'A<b>&"' + "\x07\x1b" + "第一行\r\n第二行"
    section = Section("x", hostile, [hostile], [Table([hostile, "n"], [[hostile, "1"]], numeric=(1,), caption=hostile)])
    properties = DocumentProperties(hostile, hostile, hostile, hostile, "zh-CN", datetime(2026, 1, 1, tzinfo=timezone.utc))
    with app.test_request_context("/"):
        body = word_document(hostile, [section], {}, properties)
    parts = _parts(body)  # parses: no character XML forbids
    texts = ["".join(p.itertext()) for p in parts["word/document.xml"].iter(W + "p")]
    assert 'A<b>&"第一行第二行' in texts
    assert len(parts["word/document.xml"].findall(".//w:br", NS)) >= 3
    assert parts["docProps/core.xml"].find("{http://purl.org/dc/elements/1.1/}title").text == 'A<b>&"第一行\n第二行'


def test_table_columns_fit_their_short_texts():
    """Dates, numbers and states keep one line; the long texts share the rest of the 156 mm."""
    table = Table(["上报日期", "建言", "领域", "状态"],
                  [["2025年12月31日", "关于在气象街30-54号修复路面并加装路灯和休息座椅的建议" * 2, "经济发展", "已采纳"]])
    widths = document._widths(table)
    assert sum(widths) == document.TEXT_WIDTH
    for column, text in ((0, "2025年12月31日"), (2, "经济发展"), (3, "已采纳")):
        assert widths[column] >= len(text.encode("gbk")) * 105 + 114  # 五号: 105 twips a half character, and the margins
    assert widths[1] == max(widths)
    narrow = Table(["a", "b"], [["1", "2"]])
    assert sorted(document._widths(narrow)) == [document.TEXT_WIDTH // 2, document.TEXT_WIDTH - document.TEXT_WIDTH // 2]


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
