"""Dates chosen on purpose, in a real browser: the 今天 button of an evaluation, the 本届 button of a period."""
import re

from playwright.sync_api import expect

from portal.clock import local_today

from .conftest import open_as


def test_the_today_button_fills_the_evaluation_date_and_the_term_button_the_period(live_server, demo, page_at):
    page = page_at()
    open_as(page, live_server, "staff1")
    page.wait_for_url(re.compile(r"/staff$"))
    page.goto(live_server + "/evaluations/new")
    expect(page.locator("#evaluated_on")).to_have_value("")  # no silent today for a paper form typed in later
    page.get_by_role("button", name="今天").click()
    expect(page.locator("#evaluated_on")).to_have_value(local_today().isoformat())
    page.goto(live_server + "/meetings/rates?start=2001-01-01&end=2001-12-31")
    page.get_by_role("button", name="本届").click()
    page.wait_for_url(re.compile(r"span=term"))
    expect(page.locator("#start")).to_have_value(local_today().replace(month=1, day=1).isoformat())
    page.get_by_role("button", name="第十七届").click()
    expect(page.locator("#end")).to_have_value(local_today().replace(year=local_today().year - 1, month=12, day=31).isoformat())
    assert page.console_errors == []
