"""Attaching files to records, listing them and removing them; the files are stored before their rows (flush, never commit)."""
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select

from ..campaigns.models import ChecklistItem, ChecklistRecord, RecordState
from ..errors import ServiceError, add_or_existing
from ..extensions import db
from ..matters.models import MatterState, PracticalMatter, practical_matter_deputies
from ..meetings.models import Meeting
from ..models import User, utcnow
from ..permissions import can_attach, can_remove_attachment
from ..periods import Period, period_statement
from ..storage import storage
from ..suggestions.models import Suggestion
from .images import Refused, display_name, pillow, prepare
from .models import OWNER_ROLES, Attachment, AttachmentRole, OwnerKind, storage_key

OWNER_MODELS = {
    OwnerKind.RECORD: ChecklistRecord,
    OwnerKind.MATTER: PracticalMatter,
    OwnerKind.SUGGESTION: Suggestion,
    OwnerKind.MEETING: Meeting,
}


@dataclass
class Upload:
    """One file as the browser sent it."""

    name: str
    data: bytes


def load_owner(kind: OwnerKind, owner_id: int):
    """The record of that kind and id, or None."""
    return db.session.get(OWNER_MODELS[kind], owner_id)


def owner_of(attachment: Attachment):
    return load_owner(attachment.owner_kind, attachment.owner_id)


def owner_url(kind: OwnerKind, owner_id: int) -> str:
    """The page of the record the files belong to (where a plain form post goes back to)."""
    return {
        OwnerKind.RECORD: lambda: url_for("campaigns.record", record_id=owner_id),
        OwnerKind.MATTER: lambda: url_for("matters.detail", matter_id=owner_id),
        OwnerKind.SUGGESTION: lambda: url_for("suggestions.detail", suggestion_id=owner_id),
        OwnerKind.MEETING: lambda: url_for("meetings.detail", meeting_id=owner_id),
    }[kind]()


def attachments_of(kind: OwnerKind, owner_id: int) -> list[Attachment]:
    """The files a record shows, oldest first (removed ones are kept for the audit, not shown)."""
    return list(db.session.scalars(
        select(Attachment)
        .where(Attachment.owner_kind == kind, Attachment.owner_id == owner_id, Attachment.removed_at.is_(None))
        .order_by(Attachment.uploaded_at, Attachment.id)
    ))


def attach_files(actor: User, kind: OwnerKind, owner, role: AttachmentRole, uploads: list[Upload]) -> list[Attachment]:
    """Check every file, store them, then add their rows; one refused file refuses all (nothing half-written).

    Files are stored first under their content's hash: a transaction that fails afterwards leaves a file no row
    names, which is harmless (the same upload later finds it in place) and never served.
    """
    if not can_attach(actor, kind, owner):
        raise ServiceError(_("You may not add files to this record."))
    if role not in OWNER_ROLES[kind]:
        raise ServiceError(_("Please choose what the file is."), "role")
    config = current_app.config
    if not uploads:
        raise ServiceError(_("Please choose a photo or a PDF."), "files")
    if len(uploads) > config["EVIDENCE_MAX_FILES_PER_UPLOAD"]:
        raise ServiceError(_("At most %(n)d files at a time.", n=config["EVIDENCE_MAX_FILES_PER_UPLOAD"]), "files")
    prepared = []
    for upload in uploads:
        if len(upload.data) > config["EVIDENCE_MAX_FILE_BYTES"]:
            raise ServiceError(_("“%(name)s” is larger than %(mb)d MB.", name=display_name(upload.name),
                                 mb=config["EVIDENCE_MAX_FILE_BYTES"] // (1024 * 1024)), "files")
        try:
            prepared.append((display_name(upload.name), prepare(upload.data, upload.name)))
        except Refused as refused:
            raise ServiceError(refused.message, "files") from None
    existing = {a.sha256: a for a in attachments_of(kind, owner.id)}
    new: dict[str, tuple[str, object]] = {}
    for name, file in prepared:  # the same photo chosen twice is one file, under its first name
        if file.sha256 not in existing:
            new.setdefault(file.sha256, (name, file))
    if len(existing) + len(new) > config["EVIDENCE_MAX_FILES_PER_RECORD"]:
        raise ServiceError(_("A record holds at most %(n)d files; it has %(has)d.",
                             n=config["EVIDENCE_MAX_FILES_PER_RECORD"], has=len(existing)), "files")
    store = storage()
    for _name, file in new.values():
        store.put(storage_key(file.sha256, file.content_type), file.data, file.content_type)
        if file.thumb is not None:
            store.put(storage_key(file.thumb_sha256, "image/jpeg"), file.thumb, "image/jpeg")
    result = [existing[file.sha256] for _name, file in prepared if file.sha256 in existing]
    for sha256, (name, file) in new.items():
        attachment = Attachment(
            owner_kind=kind, owner_id=owner.id, role=role, uploaded_by_id=actor.id, original_name=name,
            content_type=file.content_type, byte_size=len(file.data), sha256=sha256, thumb_sha256=file.thumb_sha256,
            width=file.width, height=file.height,
        )
        # A twin request (a double tap) that committed the same file first: its row stands for this one.
        result.append(add_or_existing(attachment, lambda sha256=sha256: _live(kind, owner.id, sha256)))
    db.session.flush()
    return result


def _live(kind: OwnerKind, owner_id: int, sha256: str) -> Attachment | None:
    return db.session.scalar(select(Attachment).where(
        Attachment.owner_kind == kind, Attachment.owner_id == owner_id, Attachment.sha256 == sha256,
        Attachment.removed_at.is_(None)))


def remove_attachment(actor: User, attachment: Attachment) -> Attachment:
    """Take a file off its record; the row stays, with who removed it and when (the audit log has it too)."""
    if not can_remove_attachment(actor, attachment, owner_of(attachment)):
        raise ServiceError(_("You may not remove this file."))
    attachment.removed_at, attachment.removed_by_id = utcnow(), actor.id
    db.session.flush()
    return attachment


def file_bytes(attachment: Attachment, thumb: bool = False) -> bytes:
    """The stored bytes of the file or of its thumbnail."""
    return storage().get(attachment.thumb_key if thumb else attachment.key)


def matter_photos(matter_ids: list[int]) -> dict[int, list[Attachment]]:
    """The live photos of these practical matters, before ones first, in one query."""
    found: dict[int, list[Attachment]] = {}
    if not matter_ids:
        return found
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.owner_kind == OwnerKind.MATTER, Attachment.owner_id.in_(matter_ids),
               Attachment.removed_at.is_(None), Attachment.thumb_sha256.is_not(None))
        .order_by(Attachment.owner_id, Attachment.role.desc(), Attachment.uploaded_at, Attachment.id)
    )
    for attachment in rows:
        found.setdefault(attachment.owner_id, []).append(attachment)
    return found


@dataclass
class Showcase:
    """A photo in a deputy's 履职风采, with what it shows."""

    attachment: Attachment
    caption: str
    on: object  # the date of the duty


def deputy_showcase(deputy_ids: list[int], period: Period) -> dict[int, list[Showcase]]:
    """Each deputy's photos of the period (履职风采): on their 四个一 records and the practical matters done with them,
    by the duty's own date; two queries whatever the number of deputies, each built once per shape of period."""
    found: dict[int, list[Showcase]] = {deputy_id: [] for deputy_id in deputy_ids}
    if not deputy_ids:
        return found
    chosen = {"deputies": list(deputy_ids)}
    statement, parameters = _record_photos(period)
    for attachment, deputy_id, title, done_on in db.session.execute(statement, parameters | chosen):
        found[deputy_id].append(Showcase(attachment, title, done_on))
    statement, parameters = _matter_photos(period)
    for attachment, matter, deputy_id in db.session.execute(statement, parameters | chosen):
        found[deputy_id].append(Showcase(attachment, f"{matter.title}（{attachment.role.label}）", matter.done_on))
    for photos in found.values():
        photos.sort(key=lambda photo: (photo.on, photo.attachment.id))
    return found


@period_statement
def _record_photos(period: Period) -> Select:
    return period.filter(
        select(Attachment, ChecklistRecord.deputy_id, ChecklistItem.title, ChecklistRecord.done_on)
        .join(ChecklistRecord, (Attachment.owner_kind == OwnerKind.RECORD) & (Attachment.owner_id == ChecklistRecord.id))
        .join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
        .where(ChecklistRecord.deputy_id.in_(bindparam("deputies", expanding=True)), ChecklistRecord.state != RecordState.RETURNED,
               Attachment.removed_at.is_(None), Attachment.thumb_sha256.is_not(None)),
        ChecklistRecord.done_on,
    )


@period_statement
def _matter_photos(period: Period) -> Select:
    return period.filter(
        select(Attachment, PracticalMatter, practical_matter_deputies.c.deputy_id)
        .join(PracticalMatter, (Attachment.owner_kind == OwnerKind.MATTER) & (Attachment.owner_id == PracticalMatter.id))
        .join(practical_matter_deputies, practical_matter_deputies.c.matter_id == PracticalMatter.id)
        .where(practical_matter_deputies.c.deputy_id.in_(bindparam("deputies", expanding=True)),
               PracticalMatter.state == MatterState.DONE, Attachment.removed_at.is_(None), Attachment.thumb_sha256.is_not(None)),
        PracticalMatter.done_on,
    )


REPORT_SIDE = 1024  # a photo printed at three quarters of an A4 text block needs no more


def report_picture(attachment: Attachment) -> tuple[bytes, str, int, int] | None:
    """A photo for a document: JPEG at most REPORT_SIDE px a side, with its size; None if its file is missing."""
    import io

    from ..storage import StorageError

    try:
        data = file_bytes(attachment)
    except StorageError:
        current_app.logger.error("evidence file %s is missing from the storage", attachment.key)
        return None
    Image = pillow()
    with Image.open(io.BytesIO(data)) as image:
        image = image.convert("RGB")
        image.thumbnail((REPORT_SIDE, REPORT_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue(), "jpg", image.width, image.height


def record_files_of(deputy_id: int) -> dict[int, list[Attachment]]:
    """The files on each 四个一 record of a deputy, in one query per request however many cards show them."""
    from flask import g

    cache = g.setdefault("record_files", {})
    if deputy_id not in cache:
        found: dict[int, list[Attachment]] = {}
        rows = db.session.scalars(
            select(Attachment)
            .join(ChecklistRecord, (Attachment.owner_kind == OwnerKind.RECORD) & (Attachment.owner_id == ChecklistRecord.id))
            .where(ChecklistRecord.deputy_id == deputy_id, Attachment.removed_at.is_(None))
            .order_by(Attachment.uploaded_at, Attachment.id)
        )
        for attachment in rows:
            found.setdefault(attachment.owner_id, []).append(attachment)
        cache[deputy_id] = found
    return cache[deputy_id]
