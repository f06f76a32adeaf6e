"""Opinion and Category tables."""
import enum
from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Community, User, enum_column, utcnow
from ..numbers import Numbered

# The categories of the report, created by the migration; admin may edit the list.
DEFAULT_CATEGORIES = ["经济发展", "党的建设", "社区建设", "民生发展", "社会事业", "其他"]


class CollectionMethod(str, enum.Enum):
    """How an opinion was collected from voters."""

    MEETING = "meeting"
    VISIT = "visit"
    COMMUNITY_DAY = "community_day"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self])


METHOD_LABELS = {
    CollectionMethod.MEETING: _l("Voter meeting"),
    CollectionMethod.VISIT: _l("Visit"),
    CollectionMethod.COMMUNITY_DAY: _l("Community day"),
    CollectionMethod.OTHER: _l("Other"),
}


class Category(db.Model):
    """A field (领域) opinions and suggestions are sorted into."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Opinion(Numbered, db.Model):
    """An opinion a deputy collected from voters in a community."""

    __tablename__ = "opinions"
    __number_prefix__ = "YJ"  # 编号, see portal/numbers.py

    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    collected_on: Mapped[date] = mapped_column(Date)
    method: Mapped[CollectionMethod] = mapped_column(enum_column(CollectionMethod))
    voter_names: Mapped[str] = mapped_column(String(500), default="")
    voter_count: Mapped[Optional[int]]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # At most one suggestion gathers an opinion; it is set only by an UPDATE ... WHERE suggestion_id IS NULL.
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"), index=True)
    # Set when the opinion was raised at a voter meeting or visit (portal/meetings).
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)

    community: Mapped[Community] = relationship()
    category: Mapped[Category] = relationship()
    suggestion: Mapped[Optional["Suggestion"]] = relationship(back_populates="opinions")  # noqa: F821
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    meeting: Mapped[Optional["Meeting"]] = relationship()  # noqa: F821 (portal.meetings.models)

    # The period's opinions counted by category, community and deputy from the index alone (the overview's figures).
    __table_args__ = (Index("ix_opinions_collected_counts", "collected_on", "category_id", "community_id", "deputy_id"),)

    @property
    def voters(self) -> int:
        """How many voters stand behind it: the count given, else the names listed, else one."""
        if self.voter_count:
            return self.voter_count
        names = [n for n in self.voter_names.replace("，", ",").replace("、", ",").split(",") if n.strip()]
        return len(names) or 1
