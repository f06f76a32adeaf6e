"""Voter evaluation (选民评议) tables: ballots per deputy and period, and the rating thresholds."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..figures import rate
from ..models import User, utcnow
from ..numbers import Numbered

# The defaults of the evaluation rules: ≥ 80 % 称职, 50–80 % 基本称职, below 不称职.
DEFAULT_COMPETENT_MIN = 80
DEFAULT_BASIC_MIN = 50


class Evaluation(Numbered, db.Model):
    """The ballots voters cast on one deputy for one period."""

    __tablename__ = "evaluations"
    __number_prefix__ = "PY"  # 编号, see portal/numbers.py
    # One row per deputy and period: a second entry for the same period replaces the counts (upsert).
    __table_args__ = (UniqueConstraint("deputy_id", "starts_on", "ends_on", name="uq_evaluations_deputy_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    satisfied: Mapped[int] = mapped_column(default=0)
    basically_satisfied: Mapped[int] = mapped_column(default=0)
    dissatisfied: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    evaluated_on: Mapped[date] = mapped_column(Date)  # the day the voters evaluated; recorded_at is the entry

    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    __audit_parent__ = ("User", "deputy_id")
    __audit_dates__ = ("evaluated_on",)

    @property
    def ballots(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def satisfaction(self):
        """满意率 = 满意 ÷ ballots, exactly (None without ballots)."""
        return rate(self.satisfied, self.ballots)

    @property
    def is_calendar_year(self) -> bool:
        return (self.starts_on.month, self.starts_on.day, self.ends_on.month, self.ends_on.day) == (1, 1, 12, 31) and (
            self.starts_on.year == self.ends_on.year
        )


class EvaluationSettings(db.Model):
    """The rating thresholds, in whole percent; a single row the admin edits (the migration creates it)."""

    __tablename__ = "evaluation_settings"
    __table_args__ = (CheckConstraint("basic_min < competent_min", name="thresholds_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competent_min: Mapped[int] = mapped_column(default=DEFAULT_COMPETENT_MIN)
    basic_min: Mapped[int] = mapped_column(default=DEFAULT_BASIC_MIN)
