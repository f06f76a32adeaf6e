"""Evidence where it is shown upward: the Word report's photos of practical matters, and the deputy's 履职风采."""
import io
import zipfile

import docx
from lxml import etree
from PIL import Image
from sqlalchemy import select

from portal.campaigns.models import ChecklistRecord
from portal.evidence.models import AttachmentRole, OwnerKind
from portal.evidence.services import Upload, attach_files
from portal.extensions import db as _db
from portal.matters.models import PracticalMatter
from portal.models import User

from .evidence_files import jpeg, png
from .reports_data import street  # noqa: F401 (a year of hand-made work)

NS = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def _photos(app, street):
    """Before and after photos on the repaired road, and a photo on the deputy's community day."""
    with app.app_context():
        staff, deputy = (_db.session.get(User, street[k].id) for k in ("staff", "a"))
        road = _db.session.scalar(select(PracticalMatter).where(PracticalMatter.title == "修复气象街30-54号路面"))
        attach_files(staff, OwnerKind.MATTER, road, AttachmentRole.BEFORE, [Upload("before.jpg", jpeg((1600, 1200), "gray"))])
        attach_files(staff, OwnerKind.MATTER, road, AttachmentRole.AFTER, [Upload("after.png", png((900, 1200), mode="RGB"))])
        record = _db.session.scalar(select(ChecklistRecord).where(ChecklistRecord.deputy_id == deputy.id).order_by(ChecklistRecord.done_on))
        attach_files(deputy, OwnerKind.RECORD, record, AttachmentRole.PHOTO, [Upload("day.jpg", jpeg(color="orange"))])
        _db.session.commit()


def test_the_word_report_carries_the_matters_photos_with_captions(app, client, login, street):
    _photos(app, street)
    login(street["staff"])
    body = client.get("/reports/work-report.docx?start=2025-01-01&end=2025-12-31").data
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        media = {name: package.read(name) for name in package.namelist() if name.startswith("word/media/photo")}
        assert b'Extension="jpg"' in package.read("[Content_Types].xml")
    assert len(media) == 2
    for data in media.values():
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and max(image.size) <= 1024 and not image.getexif()
    photos = [i for i in document.findall(".//wp:inline", NS) if i.find("wp:docPr", NS).get("name").startswith("photo")]
    captions = [p.getparent().getparent().getparent().getnext().findtext(".//w:t", namespaces=NS) for p in photos]
    assert captions == ["修复气象街30-54号路面（办理前，2025年7月31日）", "修复气象街30-54号路面（办理后，2025年7月31日）"]
    width, height = (int(photos[1].find("wp:extent", NS).get(k)) for k in ("cx", "cy"))
    assert abs(width / height - 900 / 1200) < 0.01
    assert len(docx.Document(io.BytesIO(body)).inline_shapes) == 5 + 2  # the charts and the photos, as Word reads them


def test_the_deputys_record_shows_their_duty_in_pictures(app, client, login, street):
    _photos(app, street)
    login(street["a"])
    page = client.get(f"/reports/deputies/{street['a'].id}?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert "履职风采" in page
    section = page[page.index("履职风采"):]
    assert section.count("/thumb") == 3 and "修复气象街30-54号路面（办理后）" in section
    login(street["staff"])
    print_all = client.get("/reports/deputies?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert print_all.count("履职风采") == 1  # only the deputy with photos has the section
    other_year = client.get(f"/reports/deputies/{street['a'].id}?start=2024-01-01&end=2024-12-31").get_data(as_text=True)
    assert "履职风采" not in other_year
