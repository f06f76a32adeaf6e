"""Practical matter (实事) tables: concrete things done for residents, and the deputies involved."""
import enum
from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Community, User, enum_column, utcnow
from ..numbers import Numbered
from ..opinions.models import Opinion
from ..suggestions.models import Suggestion


class MatterState(str, enum.Enum):
    """计划中 planned, 办理中 in progress, 已办结 done."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(MATTER_STATE_LABELS[self])


MATTER_STATE_LABELS = {
    MatterState.PLANNED: _l("Planned"),
    MatterState.IN_PROGRESS: _l("In progress"),
    MatterState.DONE: _l("Completed"),
}

practical_matter_deputies = Table(
    "practical_matter_deputies",
    db.metadata,
    Column("matter_id", ForeignKey("practical_matters.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class PracticalMatter(Numbered, db.Model):
    """A practical thing done for residents, e.g. 协调市政对气象街30-54号路面进行了修复."""

    __tablename__ = "practical_matters"
    __number_prefix__ = "SS"  # 编号, see portal/numbers.py

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    started_on: Mapped[Optional[date]] = mapped_column(Date)  # work began (in progress or done)
    done_on: Mapped[date] = mapped_column(Date, index=True)  # completed (planned: the date it is planned for)
    state: Mapped[MatterState] = mapped_column(enum_column(MatterState), default=MatterState.PLANNED)
    beneficiaries: Mapped[Optional[int]]
    description: Mapped[str] = mapped_column(Text, default="")
    opinion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("opinions.id", ondelete="SET NULL"), index=True)
    suggestion_id: Mapped[Optional[int]] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    community: Mapped[Community] = relationship()
    deputies: Mapped[list[User]] = relationship(secondary=practical_matter_deputies, order_by=User.name)
    opinion: Mapped[Optional[Opinion]] = relationship()
    suggestion: Mapped[Optional[Suggestion]] = relationship()
    recorded_by: Mapped[User] = relationship()

    __audit_dates__ = ("done_on", "started_on")

    def involves(self, user) -> bool:
        """True if `user` is one of the deputies involved."""
        return any(deputy.id == user.id for deputy in self.deputies)
