"""Evidence as people add and remove it: a deputy's photos from a phone, staff removing one on a tablet."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.evidence.models import Attachment, OwnerKind
from portal.extensions import db

from tests.evidence_files import jpeg

from .conftest import PHONE, TABLET, open_as


def _photographed_record(app) -> int:
    """The demo's 四个一 record with a photo (夏虹's community day)."""
    with app.app_context():
        return db.session.scalar(select(Attachment.owner_id).where(Attachment.owner_kind == OwnerKind.RECORD))


def test_a_deputy_adds_photos_from_the_phone_and_sees_the_thumbnails(live_app, live_server, demo, page_at):
    record = _photographed_record(live_app)
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong", "/me")
    card_link = page.locator(f".evidence-thumbs a[href='/campaigns/records/{record}']")
    expect(card_link).to_have_text("照片和材料（1）")  # on the checklist card (folded away or not)
    page.goto(live_server + f"/campaigns/records/{record}")
    gallery = page.locator("section.evidence")
    expect(gallery.locator("img")).to_have_count(1)
    field = gallery.get_by_label("照片或 PDF")
    assert field.get_attribute("accept") == "image/*" and field.get_attribute("capture") is not None
    assert field.evaluate("input => input.multiple")
    field.set_input_files([
        {"name": "IMG_0101.JPG", "mimeType": "image/jpeg", "buffer": jpeg((2400, 1800), "teal", gps=True)},
        {"name": "IMG_0102.JPG", "mimeType": "image/jpeg", "buffer": jpeg((1800, 2400), "coral")},
    ])
    gallery.get_by_role("button", name="添加文件").click()
    expect(page.locator("section.evidence img")).to_have_count(3)
    expect(page.locator("section.evidence")).to_contain_text("IMG_0102.JPG")
    # The thumbnail arrives after the gallery: wait until the browser has it, then read its width.
    thumbnail = page.locator("section.evidence img").last
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") == 240  # the upright photo's, 320 px on its long side
    assert page.console_errors == []  # the upload script keeps to the CSP


def test_staff_remove_a_photo_from_a_practical_matter(live_server, demo, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1", "/matters/")
    page.get_by_role("link", name="协调市政对气象街30-54号路面进行了修复").click()
    gallery = page.locator("section.evidence")
    expect(gallery.locator("img")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    gallery.get_by_role("button", name="删除“路面修复前.jpg”").click()
    expect(page.locator("section.evidence img")).to_have_count(1)
    expect(page.locator("section.evidence")).not_to_contain_text("路面修复前.jpg")
    page.reload()
    expect(page.locator("section.evidence")).to_contain_text("路面修复后.jpg")
    assert page.console_errors == []
