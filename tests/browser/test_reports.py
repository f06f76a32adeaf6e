"""Charts in a real browser: drawn inline without breaking the CSP, and following the page's filters."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Community

from .conftest import open_as


def test_overview_charts_follow_the_community_filter(live_server, demo, page_at):
    page = page_at()
    open_as(page, live_server, "staff1")
    chart = page.locator("#chart-community")
    assert chart.locator("svg rect").count() > 3
    before = chart.locator("desc").text_content()
    assert "气象街社区" in before and "和平里社区" in before
    category_before = page.locator("#chart-category desc").text_content()
    page.evaluate("window.__notReloaded = true")
    page.locator("#community").select_option(label="气象街社区")
    page.wait_for_url(re.compile(r"community=\d+"))
    page.wait_for_function("!document.querySelector('#chart-community desc').textContent.includes('和平里社区')")
    assert "气象街社区" in page.locator("#chart-community desc").text_content()
    assert page.locator("#chart-category desc").text_content() != category_before
    assert page.evaluate("window.__notReloaded") is True
    page.locator("#chart-category summary").click()
    expect(page.locator("#chart-category table")).to_be_visible()
    assert page.console_errors == []


def test_adoption_and_attendance_charts_follow_the_period(live_server, demo, page_at):
    page = page_at()
    open_as(page, live_server, "staff1", "/suggestions/figures")
    assert page.locator("#chart-states svg rect").count() >= 1
    page.locator("#start").fill("2000-01-01")
    page.locator("#end").fill("2000-12-31")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"end=2000-12-31"))
    expect(page.locator("#chart-category .empty")).to_be_visible()
    page.goto(live_server + "/meetings/rates")
    columns = page.locator("#chart-attendance svg rect").count()
    assert columns >= 3
    page.locator("#start").fill(page.locator("#end").input_value()[:4] + "-01-01")
    page.locator("#end").fill(page.locator("#end").input_value()[:4] + "-02-28")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"-02-28"))
    page.wait_for_function("document.querySelectorAll('#chart-attendance svg rect').length <= 2")  # the swap has come
    assert page.locator("#chart-attendance svg rect").count() <= 2
    assert page.console_errors == []


def test_the_committees_records_print_one_deputy_per_a4_page(live_server, live_app, demo, page_at):
    with live_app.app_context():  # one community's records (the whole committee's print costs Chromium seconds)
        community = db.session.scalar(select(Community.id).where(Community.name == "气象街社区"))
        db.session.remove()
    page = page_at()
    open_as(page, live_server, "staff1", f"/reports/deputies?community={community}")
    records = page.locator(".deputy-record").count()
    assert records >= 2
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('form.filters')).display") == "none"
    breaks = page.evaluate("[...document.querySelectorAll('.deputy-record')].map(r => getComputedStyle(r).breakBefore)")
    assert breaks == ["auto"] + ["page"] * (records - 1)
    # Two records printed prove the break in a real print (printing them all costs Chromium more than the rest of the test).
    page.evaluate("[...document.querySelectorAll('.deputy-record')].slice(2).forEach(record => record.remove())")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 2  # at least one A4 sheet per deputy
    assert page.console_errors == []


def test_the_word_report_downloads_as_an_a4_document_with_its_charts(live_server, demo, page_at, tmp_path):
    """The download button gives a .docx named after the committee the header shows, A4, with the overview's charts."""
    import io
    import zipfile

    page = page_at()
    open_as(page, live_server, "staff1", "/reports/")
    committee = page.locator(".brand strong").text_content().strip()
    with page.expect_download() as info:
        page.locator("#download-docx").click()
    download = info.value
    assert download.suggested_filename.startswith(committee + "工作汇报-") and download.suggested_filename.endswith(".docx")
    path = tmp_path / "report.docx"
    download.save_as(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        body = package.read("word/document.xml").decode()
        pictures = [name for name in package.namelist() if name.startswith("word/media/") and name.endswith(".png")]
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in body and committee + "工作汇报" in body
    assert len(pictures) >= 4
    assert page.console_errors == []


# The dates among the matching elements that run over more than one line of text.
WRAPPED = """els => els.filter(e => /^（?\\d{4}年\\d{1,2}月\\d{1,2}日）?$/.test(e.innerText.trim())).map(e => {
  const r = document.createRange(); r.selectNodeContents(e);
  return [e.innerText.trim(), new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size]; })
  .filter(([text, lines]) => lines > 1)"""
# A4's printable width (210 mm less the print CSS's 2 × 14 mm margins) at 96 px per inch.
A4_PRINTABLE = {"width": 688, "height": 1000}


def test_the_record_of_duties_prints_every_date_on_one_line(live_server, demo, page_at):
    page = page_at(A4_PRINTABLE)
    open_as(page, live_server, "staff1", "/deputies/")
    page.get_by_role("link", name="夏虹").first.click()
    page.wait_for_url(re.compile(r"/deputies/\d+$"))
    page.goto(page.url.replace("/deputies/", "/reports/deputies/"))
    page.emulate_media(media="print")
    cells = page.locator(".deputy-record td, .deputy-record td span")
    dates = cells.evaluate_all("els => els.filter(e => /^（?\\d{4}年/.test(e.innerText.trim())).length")
    assert dates >= 20  # the 四个一, attendance, opinions, suggestions, matters and evaluations tables
    assert cells.evaluate_all(WRAPPED) == []


def test_the_overdue_answers_keep_their_dates_on_one_line_on_a_tablet(live_server, demo, page_at):
    page = page_at()  # 768 × 1024
    open_as(page, live_server, "staff1")
    dates = page.locator("section.overdue tbody td:is(:nth-child(3), :nth-child(4))")
    assert dates.count() == 2 * page.locator("section.overdue tbody tr").count() > 0
    assert dates.evaluate_all(WRAPPED) == []
    assert page.console_errors == []
