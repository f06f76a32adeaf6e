"""Hostile files, made here with Pillow: each is refused with a Chinese message at the field, or stored cleaned and
served so that nothing in it can run in the portal's pages."""
import functools
import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from portal.evidence.images import Refused, prepare
from portal.evidence.models import Attachment
from portal.extensions import db as _db

from .evidence_files import jpeg, pdf, png
from .test_evidence import post_files
from .test_permissions import world  # noqa: F401

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def huge_png(width: int, height: int) -> bytes:
    """A small PNG by Pillow whose header then claims `width` × `height` (a header any decoder reads first)."""
    data = bytearray(png((8, 8), mode="L"))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:33] = header + struct.pack(">I", zlib.crc32(header))
    return bytes(data)


@functools.cache
def bomb() -> bytes:
    """81 million pixels of one colour in a few kilobytes: decoding it would take hundreds of megabytes."""
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'

REFUSED = {
    "decompression bomb": ("bomb.png", bomb, "过大"),
    "20000 x 20000 PNG": ("large.png", lambda: huge_png(20_000, 20_000), "过大"),
    "SVG with script": ("logo.svg", lambda: SVG, "只能添加照片"),
    "SVG named as a photo": ("logo.jpg", lambda: SVG, "与文件名不符"),
    "HTML named as a PDF": ("letter.pdf", lambda: SCRIPT + b"%PDF-1.4\n%%EOF", "与文件名不符"),
    "PNG named as a JPEG": ("photo.jpg", png, "与文件名不符"),
    "JPEG named as a PDF": ("letter.pdf", jpeg, "与文件名不符"),
    "JPEG named as a program": ("setup.exe", jpeg, "只能添加照片"),
    "a PDF that does not end as one": ("cut.pdf", lambda: pdf()[:200], "与文件名不符"),
    "a truncated JPEG": ("cut.jpg", lambda: jpeg((800, 600))[:600], "无法作为图片读取"),
    "a GIF": ("a.gif", lambda: b"GIF89a" + b"\0" * 40, "只能添加照片"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_hostile_file_is_refused_with_a_reason(app, case):
    name, make, reason = REFUSED[case]
    with app.app_context(), pytest.raises(Refused) as refused:
        prepare(make(), name)
    assert reason in refused.value.message


def test_the_refusal_sits_at_the_field_and_nothing_is_stored(app, client, login, world):
    login(world["deputy"])
    response = post_files(client, f"/evidence/record/{world['own_record']}", [("bomb.png", bomb())])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'class="field-error"' in page and "“bomb.png”图像尺寸过大" in page
    with app.app_context():
        assert _db.session.scalar(select(Attachment).where(Attachment.original_name == "bomb.png")) is None


def _served(app, client, name):
    with app.app_context():
        attachment = _db.session.scalar(select(Attachment).where(Attachment.original_name == name))
    return attachment, client.get(f"/evidence/{attachment.id}")


def test_what_is_accepted_is_served_harmless(app, client, login, world):
    login(world["deputy"])
    gps = jpeg(color="maroon", gps=True)
    assert b"GPS" not in gps and Image.open(io.BytesIO(gps)).getexif().get_ifd(0x8825)  # the position is there
    polyglot = jpeg(color="olive") + SCRIPT  # a JPEG that is also an HTML page
    names = ["../../etc/passwd.jpg", "a\x1b[31mb\u202egpj.jpg", "..\\..\\win.jpg"]
    files = [("gps.jpg", gps), ("polyglot.jpg", polyglot)] + [(n, jpeg(color=c)) for n, c in zip(names, ("red", "blue", "gray"))]
    assert post_files(client, f"/evidence/record/{world['own_record']}", files).status_code == 200

    attachment, served = _served(app, client, "gps.jpg")
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif() and not image.getexif().get_ifd(0x8825) and "exif" not in image.info

    attachment, served = _served(app, client, "polyglot.jpg")
    assert b"<script" not in served.data and served.headers["Content-Type"] == "image/jpeg"

    with app.app_context():
        shown = sorted(_db.session.scalars(select(Attachment.original_name).where(Attachment.original_name.like("%jpg"))))
        keys = [a.key for a in _db.session.scalars(select(Attachment))]
    assert "passwd.jpg" in shown and "win.jpg" in shown and "a[31mbgpj.jpg" in shown  # folders, control and direction characters gone
    assert all(".." not in key and key.count("/") == 1 and len(key.split("/")[1]) == 68 for key in keys)

    staff_pdf = pdf(SCRIPT)  # a PDF with an HTML page inside
    login(world["staff"])
    assert post_files(client, f"/evidence/suggestion/{world['suggestion_own']}", [("答复函.pdf", staff_pdf)]).status_code == 200
    _attachment, served = _served(app, client, "答复函.pdf")
    assert served.data == staff_pdf  # a PDF is kept as it is …
    assert served.headers["Content-Type"] == "application/pdf"  # … and only ever downloaded, never sniffed, sandboxed
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_an_iphones_heic_photo_is_stored_as_jpeg(app, monkeypatch):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(out, "HEIF")
    with app.app_context():
        prepared = prepare(out.getvalue(), "IMG_0001.HEIC")
        assert (prepared.content_type, prepared.width, prepared.height) == ("image/jpeg", 400, 300)
        from portal.evidence import images

        monkeypatch.setattr(images, "heif_available", lambda: False)  # a server without the plugin says what to choose instead
        with pytest.raises(Refused) as refused:
            prepare(out.getvalue(), "IMG_0001.HEIC")
    assert "请选择 JPEG" in refused.value.message
