"""The points rules (积分规则, dated sets of weights per kind of duty) and the published quarters (季度亮分)."""
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import User, enum_column, utcnow

# Points are kept exactly, in tenths (118.5), on SQLite as on PostgreSQL.
POINTS = Numeric(6, 1, asdecimal=True)
TOTAL = Numeric(9, 1, asdecimal=True)


class DutyKind(str, enum.Enum):
    """A kind of duty the rules weigh; each duty is one record on its own day."""

    CHECKLIST_VERIFIED = "checklist"
    MEETING_PRESENT = "present"
    MEETING_LATE = "late"
    MEETING_LEFT_EARLY = "left_early"
    MEETING_EXCUSED = "excused"
    MEETING_ABSENT = "absent"
    VOTER_MEETING = "voter_meeting"
    OPINION = "opinion"
    SUGGESTION_SUBMITTED = "submitted"
    SUGGESTION_ADOPTED = "adopted"
    MATTER_DONE = "matter"
    FEEDBACK = "feedback"
    RATED_COMPETENT = "competent"
    RATED_BASIC = "basic"
    RATED_INCOMPETENT = "incompetent"

    @property
    def label(self) -> str:
        return str(DUTY_LABELS[self])

    @property
    def counts_a_day(self) -> bool:
        """Whether a duty of this kind makes its day a duty day (履职天数): leave, absence and the voters' rating do not."""
        return self not in NO_DAY


NO_DAY = frozenset({DutyKind.MEETING_EXCUSED, DutyKind.MEETING_ABSENT, DutyKind.RATED_COMPETENT, DutyKind.RATED_BASIC,
                    DutyKind.RATED_INCOMPETENT})

DUTY_LABELS = {
    DutyKind.CHECKLIST_VERIFIED: _l("Four ones item verified"),
    DutyKind.MEETING_PRESENT: _l("Meeting attended"),
    DutyKind.MEETING_LATE: _l("Meeting, late"),
    DutyKind.MEETING_LEFT_EARLY: _l("Meeting, left early"),
    DutyKind.MEETING_EXCUSED: _l("Meeting, on leave"),
    DutyKind.MEETING_ABSENT: _l("Meeting, absent without leave"),
    DutyKind.VOTER_MEETING: _l("Voter meeting attended"),
    DutyKind.OPINION: _l("Voter opinion collected"),
    DutyKind.SUGGESTION_SUBMITTED: _l("Suggestion submitted"),
    DutyKind.SUGGESTION_ADOPTED: _l("Suggestion adopted"),
    DutyKind.MATTER_DONE: _l("Practical matter done"),
    DutyKind.FEEDBACK: _l("Answer fed back to voters"),
    DutyKind.RATED_COMPETENT: _l("Evaluation: competent"),
    DutyKind.RATED_BASIC: _l("Evaluation: basically competent"),
    DutyKind.RATED_INCOMPETENT: _l("Evaluation: not competent"),
}


class PointRule(db.Model):
    """The points one duty of a kind earns from `effective_on` on (until a later set), and the kind's cap per quarter."""

    __tablename__ = "point_rules"
    __table_args__ = (UniqueConstraint("effective_on", "kind", name="uq_point_rules_effective_on_kind"),
                      CheckConstraint("cap IS NULL OR cap >= 0", name="cap_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[DutyKind] = mapped_column(enum_column(DutyKind))
    points: Mapped[Decimal] = mapped_column(POINTS)
    cap: Mapped[Optional[Decimal]] = mapped_column(POINTS)  # the most a deputy earns of this kind in one quarter
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Publication(db.Model):
    """A quarter published (季度亮分): its table is stored as it was and never recomputed."""

    __tablename__ = "point_publications"
    __table_args__ = (UniqueConstraint("starts_on", "ends_on", name="uq_point_publications_quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    show_ranking: Mapped[bool] = mapped_column(default=False)  # deputies see the whole table, not only their own line
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    published_by: Mapped[User] = relationship()
    rows: Mapped[list["PublishedRow"]] = relationship(back_populates="publication", order_by="PublishedRow.position",
                                                      cascade="all, delete-orphan")


class PublishedRow(db.Model):
    """One deputy's line of a published quarter, as it was published (names included)."""

    __tablename__ = "point_publication_rows"
    __table_args__ = (UniqueConstraint("publication_id", "deputy_id", name="uq_point_publication_rows_deputy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("point_publications.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int]
    rank: Mapped[int]
    name: Mapped[str] = mapped_column(String(64))
    community: Mapped[str] = mapped_column(String(64))
    days: Mapped[int]
    points: Mapped[Decimal] = mapped_column(TOTAL)
    # Each kind's count and points as published: {kind: [count, "points"]}.
    kinds: Mapped[dict] = mapped_column(JSON, default=dict)

    publication: Mapped[Publication] = relationship(back_populates="rows")

    __audit_parent__ = ("Publication", "publication_id")
