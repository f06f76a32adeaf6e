"""The attachments table: one file (stored under a name the portal makes) on one owning record."""
import enum
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import User, enum_column, utcnow


class OwnerKind(str, enum.Enum):
    """The kinds of record a file can prove: a 四个一 record, a practical matter, a suggestion, a meeting."""

    RECORD = "record"
    MATTER = "matter"
    SUGGESTION = "suggestion"
    MEETING = "meeting"  # voter meetings are meetings too


class AttachmentRole(str, enum.Enum):
    """What the file is on its record."""

    PHOTO = "photo"
    BEFORE = "before"
    AFTER = "after"
    ANSWER_LETTER = "answer_letter"
    MINUTES = "minutes"
    SIGN_IN_SHEET = "sign_in_sheet"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    AttachmentRole.PHOTO: _l("Photo or document"),
    AttachmentRole.BEFORE: _l("Before the work"),
    AttachmentRole.AFTER: _l("After the work"),
    AttachmentRole.ANSWER_LETTER: _l("Answer letter"),
    AttachmentRole.MINUTES: _l("Minutes"),
    AttachmentRole.SIGN_IN_SHEET: _l("Paper sign-in sheet"),
}

# The roles each kind of record offers, the first the default.
OWNER_ROLES = {
    OwnerKind.RECORD: (AttachmentRole.PHOTO,),
    OwnerKind.MATTER: (AttachmentRole.AFTER, AttachmentRole.BEFORE),
    OwnerKind.SUGGESTION: (AttachmentRole.ANSWER_LETTER,),
    OwnerKind.MEETING: (AttachmentRole.PHOTO, AttachmentRole.MINUTES, AttachmentRole.SIGN_IN_SHEET),
}

# The model name each kind of record has in the audit log.
AUDIT_PARENTS = {OwnerKind.RECORD: "ChecklistRecord", OwnerKind.MATTER: "PracticalMatter",
                 OwnerKind.SUGGESTION: "Suggestion", OwnerKind.MEETING: "Meeting"}

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


class Attachment(db.Model):
    """A photo (re-encoded, with its thumbnail) or a PDF on one record; removing it keeps the row (who, when)."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_owner", "owner_kind", "owner_id"),
        # A double tap or a resent form stores the same content once on the same record.
        Index("uq_attachments_owner_content", "owner_kind", "owner_id", "sha256", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[OwnerKind] = mapped_column(enum_column(OwnerKind))
    owner_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[AttachmentRole] = mapped_column(enum_column(AttachmentRole, length=20))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    original_name: Mapped[str] = mapped_column(String(120))  # for display only, sanitised
    content_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the stored bytes: also their name in the storage
    thumb_sha256: Mapped[Optional[str]] = mapped_column(String(64))  # images only
    width: Mapped[Optional[int]] = mapped_column(Integer)
    height: Mapped[Optional[int]] = mapped_column(Integer)
    removed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    removed_by: Mapped[Optional[User]] = relationship(foreign_keys=[removed_by_id])

    @staticmethod
    def __audit_parent__(values: dict) -> tuple[str | None, str | None]:
        """Adding or removing a file shows in its record's history."""
        kind, owner_id = values.get("owner_kind"), values.get("owner_id")
        if kind is None or owner_id is None:
            return None, None
        return AUDIT_PARENTS[OwnerKind(kind)], str(owner_id)

    @property
    def is_image(self) -> bool:
        return self.thumb_sha256 is not None

    @property
    def key(self) -> str:
        """The stored file's name: its content's SHA-256 (so an orphan left by a failed transaction is harmless)."""
        return storage_key(self.sha256, self.content_type)

    @property
    def thumb_key(self) -> str | None:
        return storage_key(self.thumb_sha256, "image/jpeg") if self.thumb_sha256 else None


def storage_key(sha256: str, content_type: str) -> str:
    """`ab/abcdef….jpg`: two levels keep a folder small; the extension only helps a person looking at the disk."""
    return f"{sha256[:2]}/{sha256}{EXTENSIONS[content_type]}"
