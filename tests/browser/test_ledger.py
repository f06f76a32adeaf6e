"""The ledger import in a real browser: staff upload a ledger, read the dry run in place, then confirm it."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.clock import local_today
from portal.extensions import db
from portal.models import Level, Role
from portal.opinions.models import Opinion
from portal.opinions.services import ensure_default_categories

from .conftest import open_as

PASSWORD = "pass-word-1"


@pytest.fixture
def office(live_app):
    """A staff member, a deputy of 东风社区, and the default categories."""
    with live_app.app_context():
        community = create_community("东风社区")
        create_user("zhangsan", "张三", Role.DEPUTY, PASSWORD, DeputyFields(Level.DISTRICT, community, "教师", ""),
                    member_from=date(local_today().year - 1, 1, 1))  # a deputy on the ledger's days, last year
        create_user("office", "工作人员", Role.STAFF, PASSWORD)
        ensure_default_categories()
        db.session.commit()


def count_opinions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Opinion))


def test_staff_see_the_dry_run_in_place_and_confirm_the_import(live_server, live_app, office, page_at):
    year = local_today().year - 1
    ledger = ("编号,收集日期,人大代表,社区,领域,意见内容\n"
              f"YJ-000301,{year}-05-06,张三,东风社区,社区建设,楼道灯坏了\n"
              f"YJ-000302,{year}-06-07,张三,东风社区,其他,垃圾清运不及时\n").encode("gb18030")
    page = page_at()
    open_as(page, live_server, "office", "/ledger/")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("文件（.csv 或 .xlsx）").set_input_files(
        {"name": "意见台账.csv", "mimeType": "text/csv", "buffer": ledger})
    page.get_by_role("button", name="检查文件（试导入）").click()
    plan = page.locator(".ledger-plan")
    expect(plan).to_contain_text("尚未写入任何数据", timeout=20_000)
    expect(plan.locator("tbody tr")).to_contain_text("2")
    assert page.evaluate("window.__notReloaded") is True  # swapped in place by htmx
    assert count_opinions(live_app) == 0
    page.get_by_role("button", name="导入 2 条记录").click()
    expect(page.locator("body")).to_contain_text("意见台账.csv 已导入：新建 2 条记录，0 条已存在。", timeout=20_000)
    assert count_opinions(live_app) == 2

    page.get_by_label("文件（.csv 或 .xlsx）").set_input_files(
        {"name": "意见台账.csv", "mimeType": "text/csv", "buffer": ledger})
    page.get_by_role("button", name="检查文件（试导入）").click()
    expect(page.locator(".ledger-plan")).to_contain_text("没有需要导入的新记录", timeout=20_000)
    assert page.console_errors == []
