"""Take the README's screenshots from a running portal: `python docs/screenshots.py http://127.0.0.1:5000`."""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (file, login, path, viewport, links to follow from that page, in turn)
SHOTS = [
    ("login-phone.png", None, "/login", (390, 844), None),
    ("deputy-home-tablet.png", "xiahong", "/me", (768, 1024), None),
    ("deputy-home-phone.png", "xiahong", "/me", (390, 844), None),
    ("staff-overview-tablet.png", "staff1", "/staff", (768, 1024), None),
    ("checklist-matrix-tablet.png", "staff1", "/campaigns/matrix", (768, 1024), None),
    ("attendance-tablet.png", "staff1", "/meetings/", (768, 1024), ("table a:has-text('今日')", "a[href$='/attendance']")),
    ("suggestion-tablet.png", "staff1", "/suggestions/?state=adopted", (768, 1024), ("#suggestion-table a[href*='/suggestions/']",)),
    ("adoption-figures-desktop.png", "staff1", "/suggestions/figures", (1280, 900), None),
    ("deputies-tablet.png", "staff1", "/deputies/", (768, 1024), None),
    ("admin-users-desktop.png", "admin", "/admin/users", (1280, 900), None),
]


def main(base: str, password: str = "demo1234") -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, user, path, (width, height), follow in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            page = context.new_page()
            if user:
                page.goto(base + "/login")
                page.fill("#username", user)
                page.fill("#password", password)
                page.click("button[type=submit]")
            page.goto(base + path)
            for selector in follow or ():
                page.locator(selector).first.click()
                page.wait_for_load_state()
            page.screenshot(path=str(OUT / name), full_page=False)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
