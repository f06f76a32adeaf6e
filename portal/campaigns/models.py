"""Campaigns (建言献策活动), their ordered checklist items (四个一) and each deputy's record of an item."""
import enum
from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..matters.models import PracticalMatter
from ..models import Community, User, enum_column, utcnow
from ..suggestions.models import Suggestion


class ItemKind(str, enum.Enum):
    """What an item asks of a deputy; the tallies look for the community day."""

    COMMUNITY_DAY = "community_day"
    LECTURE = "lecture"
    PRACTICAL = "practical"
    REFLECTION = "reflection"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ITEM_KIND_LABELS[self])


ITEM_KIND_LABELS = {
    ItemKind.COMMUNITY_DAY: _l("A day in the community"),
    ItemKind.LECTURE: _l("A lecture or an activity"),
    ItemKind.PRACTICAL: _l("A practical matter or a resolved request"),
    ItemKind.REFLECTION: _l("A reflection or a suggestion"),
    ItemKind.OTHER: _l("Other"),
}


class RecordState(str, enum.Enum):
    """Where a deputy's record of an item stands; no record at all means 未开始."""

    RECORDED = "recorded"
    RETURNED = "returned"
    VERIFIED = "verified"

    @property
    def label(self) -> str:
        return str(RECORD_STATE_LABELS[self])


RECORD_STATE_LABELS = {
    RecordState.RECORDED: _l("Recorded"),
    RecordState.RETURNED: _l("Sent back"),
    RecordState.VERIFIED: _l("Verified"),
}

# A record counts as done while it stands: recorded or verified. A record staff sent back is not done.
DONE_STATES = (RecordState.RECORDED, RecordState.VERIFIED)


class Campaign(db.Model):
    """A 建言献策活动: a period, a work plan, and its checklist items. Exactly one is current."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period"),
        # At most one row may be current: a partial unique index over the true values only.
        Index(
            "uq_campaigns_one_current",
            "is_current",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    plan: Mapped[str] = mapped_column(Text, default="")
    is_current: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="campaign", order_by="(ChecklistItem.position, ChecklistItem.id)", cascade="all, delete-orphan"
    )

    @property
    def active_items(self) -> list["ChecklistItem"]:
        """The items deputies record now (retired ones stay only for history)."""
        return [item for item in self.items if not item.retired]

    @property
    def counted_items(self) -> list["ChecklistItem"]:
        """The items its figures count: retiring an item after the campaign ended changes none of them."""
        return [item for item in self.items if item.counted]

    def __repr__(self) -> str:
        return f"<Campaign {self.name}>"


class ChecklistItem(db.Model):
    """One of a campaign's duties (体验一天 …); its title is stored text the admin may edit."""

    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    retired: Mapped[bool] = mapped_column(default=False)
    # The day it was retired: an item retired after its campaign ended still counts in that campaign's figures.
    retired_on: Mapped[Optional[date]] = mapped_column(Date)

    campaign: Mapped[Campaign] = relationship(back_populates="items")

    @property
    def counted(self) -> bool:
        """Whether the item counts in its campaign's figures: not retired before the campaign's last day."""
        return not self.retired or (self.retired_on is not None and self.retired_on > self.campaign.ends_on)

    def __repr__(self) -> str:
        return f"<ChecklistItem {self.title}>"


class ChecklistRecord(db.Model):
    """A deputy's record of one item: one row per (item, deputy), whoever saves it and however often.

    Item 3 (办一件实事) may link to a practical matter the deputy took part in, item 4 (写一篇心得 /
    一份建议) to a suggestion they proposed, beside its `reflection` text. Deleting the target only
    drops the link.
    """

    __tablename__ = "checklist_records"
    __table_args__ = (UniqueConstraint("item_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    done_on: Mapped[date] = mapped_column(Date)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    account: Mapped[str] = mapped_column(String(500))
    reflection: Mapped[str] = mapped_column(Text, default="")
    practical_matter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("practical_matters.id", ondelete="SET NULL"), index=True)
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"), index=True)
    state: Mapped[RecordState] = mapped_column(enum_column(RecordState), default=RecordState.RECORDED)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    verified_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[ChecklistItem] = relationship()
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    community: Mapped[Community] = relationship()
    practical_matter: Mapped[Optional[PracticalMatter]] = relationship()
    suggestion: Mapped[Optional[Suggestion]] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    verified_by: Mapped[Optional[User]] = relationship(foreign_keys=[verified_by_id])

    def __repr__(self) -> str:
        return f"<ChecklistRecord item={self.item_id} deputy={self.deputy_id} {self.state.value}>"
