"""The director's overview in a real browser: choosing a community changes the figures in place."""
import re

from .conftest import open_as


def test_overview_figures_follow_the_filter_without_reload(live_server, demo, page_at):
    page = page_at()
    open_as(page, live_server, "staff1")
    page.wait_for_url(re.compile(r"/staff$"))
    line = page.locator(".report-line")
    assert "已有10位代表深入社区，收集选民意见69条" in line.inner_text()
    page.evaluate("window.__notReloaded = true")
    page.locator("#community").select_option(label="气象街社区")
    page.wait_for_url(re.compile(r"community=\d+"))
    page.wait_for_function("!document.querySelector('.report-line').innerText.includes('收集选民意见69条')")
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == []
