"""Evidence: adding photos and PDFs to records, what is stored and served, who may see and remove them, the limits."""
import contextlib
import io
import socket
import subprocess
import sys

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.auditing import AuditEvent
from portal.evidence.models import Attachment
from portal.extensions import db as _db
from portal.storage import DiskStorage, S3Storage, storage

from .evidence_files import jpeg, pdf, png
from .test_permissions import world  # noqa: F401 (the matrix's world: records, a matter, suggestions, a meeting, a photo)

HX = {"HX-Request": "true"}


def post_files(client, path, files, role=None, headers=HX):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if role:
        data["role"] = role
    return client.post(path, data=data, content_type="multipart/form-data", headers=headers)


def live(app, **where):
    with app.app_context():
        query = select(Attachment).where(Attachment.removed_at.is_(None)).filter_by(**where).order_by(Attachment.id)
        return [(a.id, a.original_name, a.content_type, a.width, a.height, a.uploaded_by_id) for a in _db.session.scalars(query)]


def test_a_deputy_adds_photos_to_their_record_and_they_are_served_clean(app, client, login, world):
    login(world["deputy"])
    record = world["own_record"]
    tall = jpeg((3000, 1200), gps=True, orientation=6)  # a phone held upright: stored sideways with an orientation tag
    response = post_files(client, f"/evidence/record/{record}", [("IMG_0001.JPG", tall), ("屏幕截图.png", png())])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.startswith('<section id="evidence-record-') and "IMG_0001.JPG" in page
    rows = live(app, owner_id=record, owner_kind="record")
    assert [(name, kind, w, h) for _id, name, kind, w, h, _by in rows[1:]] == [
        ("IMG_0001.JPG", "image/jpeg", 819, 2048), ("屏幕截图.png", "image/png", 320, 240)]

    served = client.get(f"/evidence/{rows[1][0]}")
    assert served.status_code == 200
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert served.headers["Content-Disposition"] == "inline; filename*=UTF-8''IMG_0001.JPG"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (819, 2048)  # turned upright, long side capped
    assert not image.getexif() and "exif" not in image.info and b"taken at home" not in served.data
    transparent = Image.open(io.BytesIO(client.get(f"/evidence/{rows[2][0]}").data))
    assert transparent.mode == "RGBA" and set(transparent.info) <= {"dpi"}
    thumb = client.get(f"/evidence/{rows[1][0]}/thumb")
    assert thumb.headers["Content-Type"] == "image/jpeg" and max(Image.open(io.BytesIO(thumb.data)).size) == 320

    # The record's page and the deputy's card show them.
    assert f"/evidence/{rows[1][0]}/thumb" in client.get(f"/campaigns/records/{record}").get_data(as_text=True)


@pytest.mark.postgres  # the one-live-file-per-record index is a partial index, written per database
def test_a_double_tap_stores_one_file_and_one_row(app, client, login, world):
    login(world["deputy"])
    photo = jpeg(color="orange")
    for _ in range(2):
        assert post_files(client, f"/evidence/record/{world['own_record']}", [("a.jpg", photo), ("b.jpg", photo)]).status_code == 200
    assert len(live(app, owner_id=world["own_record"])) == 2  # the matrix's photo and this one
    with app.app_context():  # the index itself refuses a second live row; a removed one does not count
        from portal.evidence.models import AttachmentRole, OwnerKind
        from sqlalchemy.exc import IntegrityError

        first = _db.session.scalar(select(Attachment).where(Attachment.original_name == "a.jpg"))
        twin = dict(owner_kind=OwnerKind.RECORD, owner_id=first.owner_id, role=AttachmentRole.PHOTO, uploaded_by_id=first.uploaded_by_id,
                    original_name="twin.jpg", content_type="image/jpeg", byte_size=1, sha256=first.sha256)
        _db.session.add(Attachment(**twin))
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()
        first = _db.session.get(Attachment, first.id)
        first.removed_at = first.uploaded_at
        _db.session.add(Attachment(**twin))
        _db.session.commit()


def test_one_refused_file_refuses_the_upload_with_the_reason_at_the_field(app, client, login, world):
    login(world["deputy"])
    response = post_files(client, f"/evidence/record/{world['own_record']}",
                          [("ok.jpg", jpeg(color="navy")), ("notes.txt", b"just text")])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and "只能添加照片" in page
    assert len(live(app, owner_id=world["own_record"])) == 1
    # Without htmx the refusal comes back as a page with the form.
    plain = post_files(client, f"/evidence/record/{world['own_record']}", [("notes.txt", b"x")], headers={})
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)


def test_limits_per_file_per_upload_and_per_record(app, client, login, world):
    login(world["deputy"])
    path = f"/evidence/record/{world['own_record']}"
    app.config.update(EVIDENCE_MAX_FILE_BYTES=20_000, EVIDENCE_MAX_FILES_PER_UPLOAD=2, EVIDENCE_MAX_FILES_PER_RECORD=3)
    big = post_files(client, path, [("big.jpg", jpeg((1600, 1200)) + b"\0" * 20_000)])
    assert big.status_code == 422 and "大于" in big.get_data(as_text=True)
    many = post_files(client, path, [(f"{n}.jpg", jpeg(color=c)) for n, c in enumerate(("red", "blue", "gray"))])
    assert many.status_code == 422 and "每次最多" in many.get_data(as_text=True)
    assert post_files(client, path, [("1.jpg", jpeg((64, 64), "red")), ("2.jpg", jpeg((64, 64), "blue"))]).status_code == 200
    full = post_files(client, path, [("3.jpg", jpeg((64, 64), "gray"))])
    assert full.status_code == 422 and "最多" in full.get_data(as_text=True)
    assert len(live(app, owner_id=world["own_record"])) == 3
    # The request itself is bounded by the upload's own limit (two files of 20 kB and a megabyte of form).
    huge = post_files(client, path, [("x.jpg", b"\xff\xd8\xff" + b"\0" * 1_200_000)])
    assert huge.status_code == 413


def test_no_file_without_the_records_permission(app, client, login, world):
    with app.app_context():
        from portal.campaigns.models import ChecklistRecord
        from portal.evidence.models import AttachmentRole, OwnerKind
        from portal.evidence.services import Upload, attach_files
        from portal.models import User

        other = _db.session.get(User, world["other"].id)
        (theirs,) = attach_files(other, OwnerKind.RECORD, _db.session.get(ChecklistRecord, world["other_record"]),
                                 AttachmentRole.PHOTO, [Upload("他人.jpg", jpeg(color="purple"))])
        _db.session.commit()
        theirs = theirs.id
    login(world["deputy"])
    for path in (f"/evidence/{theirs}", f"/evidence/{theirs}/thumb"):
        assert client.get(path).status_code == 404
    assert client.post(f"/evidence/{theirs}/remove").status_code == 404
    assert post_files(client, f"/evidence/record/{world['other_record']}", [("a.jpg", jpeg())]).status_code == 404
    # A suggestion's answer letter and a meeting's papers are the office's; the deputy sees the suggestion but adds nothing.
    assert post_files(client, f"/evidence/suggestion/{world['suggestion_own']}", [("a.pdf", pdf())]).status_code == 403
    assert post_files(client, f"/evidence/meeting/{world['meeting']}", [("a.pdf", pdf())]).status_code == 403
    assert post_files(client, f"/evidence/matter/{world['matter']}", [("a.jpg", jpeg())]).status_code == 403  # not theirs
    assert post_files(client, "/evidence/record/99999999", [("a.jpg", jpeg())]).status_code == 404
    login(world["staff"])
    assert client.get(f"/evidence/{theirs}").status_code == 200


def test_staff_add_papers_and_remove_a_file_which_is_audited(app, client, login, world):
    login(world["staff"])
    letter = post_files(client, f"/evidence/suggestion/{world['suggestion_own']}", [("答复函.pdf", pdf())], role="answer_letter")
    assert letter.status_code == 200 and "答复函.pdf" in letter.get_data(as_text=True)
    sheet = post_files(client, f"/evidence/meeting/{world['meeting']}", [("签到表.jpg", jpeg())], role="sign_in_sheet")
    assert sheet.status_code == 200 and "纸质签到表" in sheet.get_data(as_text=True)
    matter = post_files(client, f"/evidence/matter/{world['matter']}", [("before.jpg", jpeg(color="gray"))], role="before")
    assert matter.status_code == 200
    assert post_files(client, f"/evidence/matter/{world['matter']}", [("x.jpg", jpeg())], role="minutes").status_code == 422

    (letter_id, *_rest), = live(app, owner_kind="suggestion")
    served = client.get(f"/evidence/{letter_id}")
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "答复函.pdf" in client.get(f"/suggestions/{world['suggestion_own']}").get_data(as_text=True)

    # The deputy may not remove the staff's file; staff remove the deputy's photo.
    login(world["deputy"])
    assert client.post(f"/evidence/{world['own_photo']}/remove", headers=HX).status_code == 200
    login(world["staff"])
    response = client.post(f"/evidence/{letter_id}/remove", headers=HX)
    assert response.status_code == 200 and "答复函.pdf" not in response.get_data(as_text=True)
    assert client.get(f"/evidence/{letter_id}").status_code == 404
    with app.app_context():
        removed = _db.session.get(Attachment, letter_id)
        assert removed.removed_at is not None and removed.removed_by_id == world["staff"].id
        event = _db.session.scalar(select(AuditEvent).where(
            AuditEvent.object_type == "Attachment", AuditEvent.object_id == str(letter_id), AuditEvent.action == "update"))
        assert event.actor_id == world["staff"].id and "removed_at" in event.changes
        assert (event.parent_type, event.parent_id) == ("Suggestion", str(world["suggestion_own"]))
        assert _db.session.scalar(select(func.count()).select_from(Attachment)) >= 4  # removal keeps the rows
    history = client.get(f"/suggestions/{world['suggestion_own']}").get_data(as_text=True)  # the suggestion's own history
    assert "删除时间" in history and "删除人" in history and "文件名" in history


def test_the_deputy_may_not_remove_what_staff_added(app, client, login, world):
    login(world["staff"])
    post_files(client, f"/evidence/record/{world['own_record']}", [("staff.jpg", jpeg(color="black"))])
    staff_file = live(app, original_name="staff.jpg")[0][0]
    login(world["deputy"])
    assert client.post(f"/evidence/{staff_file}/remove").status_code == 403
    assert "staff.jpg" in client.get(f"/campaigns/records/{world['own_record']}").get_data(as_text=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_server():
    """moto's S3-compatible server on a free port, with a bucket; waits until it listens."""
    pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            assert server.poll() is None, "moto's server stopped"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:  # not listening yet: wait a little on the process (it may also stop), then look again
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=0.1)
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").create_bucket(Bucket="evidence")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_s3_storage_keeps_and_serves_the_files(app, client, login, world, s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    app.config.update(EVIDENCE_S3_BUCKET="evidence", EVIDENCE_S3_ENDPOINT=s3_server, EVIDENCE_S3_REGION="us-east-1",
                      EVIDENCE_S3_PREFIX="portal/")
    login(world["deputy"])
    photo = jpeg(color="teal")
    assert post_files(client, f"/evidence/record/{world['own_record']}", [("s3.jpg", photo)]).status_code == 200
    attachment_id = live(app, original_name="s3.jpg")[0][0]
    with app.app_context():
        store = storage()
        assert isinstance(store, S3Storage)
        attachment = _db.session.get(Attachment, attachment_id)
        assert set(store.keys()) == {attachment.key, attachment.thumb_key}
    served = client.get(f"/evidence/{attachment_id}")
    assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).size == (640, 480)


def test_disk_storage_names_are_the_portals_own(tmp_path):
    store = DiskStorage(tmp_path)
    key = "ab/" + "ab" * 32 + ".jpg"
    store.put(key, b"data", "image/jpeg")
    store.put(key, b"data", "image/jpeg")  # again: left as it is
    assert list(store.keys()) == [key] and store.get(key) == b"data"
    assert oct((tmp_path / key).stat().st_mode)[-3:] == "600"
    from portal.storage import StorageError

    for bad in ("../etc/passwd", "ab/../../x.jpg", "ab/" + "ab" * 32 + ".html"):
        with pytest.raises(StorageError):
            store.put(bad, b"x", "text/html")
