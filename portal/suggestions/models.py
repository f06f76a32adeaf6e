"""Suggestion (建言) tables, its workflow (the state enum and the one allowed-transitions table) and its history."""
import enum
from datetime import date, datetime, timedelta
from typing import Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import local_today
from ..extensions import db
from ..models import Community, User, enum_column, utcnow
from ..numbers import Numbered
from ..opinions.models import Category, Opinion


class SuggestionState(str, enum.Enum):
    """Where a suggestion stands: 草稿 → 已上报 → 已采纳 / 未采纳; 已采纳 → 落实中 → 已落实."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"
    IMPLEMENTING = "implementing"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def action_label(self) -> str:
        """The button that moves a suggestion into this state."""
        return str(ACTION_LABELS[self])


STATE_LABELS = {
    SuggestionState.DRAFT: _l("Draft"),
    SuggestionState.SUBMITTED: _l("Submitted"),
    SuggestionState.ADOPTED: _l("Adopted"),
    SuggestionState.NOT_ADOPTED: _l("Not adopted"),
    SuggestionState.IMPLEMENTING: _l("Being implemented"),
    SuggestionState.DONE: _l("Implemented"),
}

# Who may move a suggestion along: "proposer" is a deputy among its proposers, "staff" includes admin.
# This table is the whole workflow: the service, the views and the templates all ask it.
PROPOSER, STAFF = "proposer", "staff"
TRANSITIONS: dict[tuple[SuggestionState, SuggestionState], frozenset[str]] = {
    (SuggestionState.DRAFT, SuggestionState.SUBMITTED): frozenset({PROPOSER, STAFF}),
    (SuggestionState.SUBMITTED, SuggestionState.ADOPTED): frozenset({STAFF}),
    (SuggestionState.SUBMITTED, SuggestionState.NOT_ADOPTED): frozenset({STAFF}),
    (SuggestionState.ADOPTED, SuggestionState.IMPLEMENTING): frozenset({STAFF}),
    (SuggestionState.IMPLEMENTING, SuggestionState.DONE): frozenset({STAFF}),
}

# The button that performs each transition, named by where it leads.
ACTION_LABELS = {
    SuggestionState.SUBMITTED: _l("Submit to the district committee"),
    SuggestionState.ADOPTED: _l("Record adoption"),
    SuggestionState.NOT_ADOPTED: _l("Record non-adoption"),
    SuggestionState.IMPLEMENTING: _l("Start implementation"),
    SuggestionState.DONE: _l("Record as implemented"),
}

# Everything that reached 已上报 counts as submitted; adopted ones stay adopted while implemented.
SUBMITTED_STATES = frozenset(
    {SuggestionState.SUBMITTED, SuggestionState.ADOPTED, SuggestionState.NOT_ADOPTED, SuggestionState.IMPLEMENTING, SuggestionState.DONE}
)
ADOPTED_STATES = frozenset({SuggestionState.ADOPTED, SuggestionState.IMPLEMENTING, SuggestionState.DONE})
# The district has answered (adopted or not): the answer is owed back to the voters behind its opinions.
ANSWERED_STATES = frozenset({SuggestionState.NOT_ADOPTED, *ADOPTED_STATES})
# The steps that record the district's answer; the latest one's day is the suggestion's `answered_on`.
ANSWER_STATES = (SuggestionState.ADOPTED, SuggestionState.NOT_ADOPTED)

suggestion_deputies = Table(
    "suggestion_deputies",
    db.metadata,
    Column("suggestion_id", ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("users.id"), primary_key=True, index=True),
)


def _default_due_on(context) -> date | None:
    """A row inserted past the draft (an import, a fixture) is due ANSWER_DUE_DAYS after its submission."""
    values = context.get_current_parameters()
    state = values.get("state")
    if state is None or getattr(state, "value", state) == "draft":
        return None
    return (values.get("submitted_on") or local_today()) + timedelta(days=current_app.config["ANSWER_DUE_DAYS"])


class Suggestion(Numbered, db.Model):
    """A suggestion to the district committee, proposed by one or more deputies, gathering voter opinions."""

    __tablename__ = "suggestions"
    __number_prefix__ = "JY"  # 编号, see portal/numbers.py

    __table_args__ = (CheckConstraint("state = 'draft' OR answer_due_on IS NOT NULL", name="answer_due_once_submitted"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    # The community it concerns (figures by community); taken from its first opinion when not chosen.
    community_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communities.id"), index=True)
    state: Mapped[SuggestionState] = mapped_column(enum_column(SuggestionState), default=SuggestionState.DRAFT, index=True)
    submitted_on: Mapped[Optional[date]] = mapped_column(Date, index=True)  # the period figures count by
    answered_on: Mapped[Optional[date]] = mapped_column(Date, index=True)  # the district's answer (本期答复)
    # When the district's answer is due: set on submission (ANSWER_DUE_DAYS later), staff may move it.
    answer_due_on: Mapped[Optional[date]] = mapped_column(Date, index=True, default=_default_due_on)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    category: Mapped[Category] = relationship()
    community: Mapped[Optional[Community]] = relationship()
    created_by: Mapped[User] = relationship()
    deputies: Mapped[list[User]] = relationship(secondary=suggestion_deputies, order_by=User.name)
    opinions: Mapped[list[Opinion]] = relationship(back_populates="suggestion", order_by=Opinion.collected_on)
    events: Mapped[list["SuggestionEvent"]] = relationship(
        back_populates="suggestion", cascade="all, delete-orphan", order_by="SuggestionEvent.id"
    )

    __audit_dates__ = ("submitted_on", "answered_on")

    @property
    def voters(self) -> int:
        """The voters behind the opinions it gathers."""
        return sum(opinion.voters for opinion in self.opinions)

    @property
    def answer(self) -> Optional["SuggestionEvent"]:
        """The step that recorded the district's answer (adopted or not), if there is one."""
        answers = [e for e in self.events if e.to_state in ANSWER_STATES]
        return answers[-1] if answers else None

    def is_proposed_by(self, user) -> bool:
        """True if `user` is one of its proposing deputies."""
        return any(deputy.id == user.id for deputy in self.deputies)


class SuggestionEvent(db.Model):
    """One step of a suggestion's history: who moved it from which state to which, when, and the note."""

    __tablename__ = "suggestion_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    from_state: Mapped[Optional[SuggestionState]] = mapped_column(enum_column(SuggestionState, name="from_state"))
    to_state: Mapped[SuggestionState] = mapped_column(enum_column(SuggestionState, name="to_state"))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[date] = mapped_column(Date)  # the day it happened outside the portal; `at` is when it was entered

    suggestion: Mapped[Suggestion] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()

    __audit_parent__ = ("Suggestion", "suggestion_id")
    __audit_dates__ = ("happened_on",)


class FeedbackMethod(str, enum.Enum):
    """How a deputy carried an answer back to the voters (回访)."""

    VISIT = "visit"
    PHONE = "phone"
    MEETING = "meeting"
    NOTICE = "notice"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(FEEDBACK_METHOD_LABELS[self])


FEEDBACK_METHOD_LABELS = {
    FeedbackMethod.VISIT: _l("Home visit"),
    FeedbackMethod.PHONE: _l("Phone call"),
    FeedbackMethod.MEETING: _l("Voter meeting"),
    FeedbackMethod.NOTICE: _l("Written notice"),
    FeedbackMethod.OTHER: _l("Other"),
}


class AnswerFeedback(db.Model):
    """回访: a deputy carried the district's answer to a suggestion back to the voters whose opinions it gathered."""

    __tablename__ = "answer_feedbacks"
    __table_args__ = (UniqueConstraint("suggestion_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    fed_back_on: Mapped[date] = mapped_column(Date)
    method: Mapped[FeedbackMethod] = mapped_column(enum_column(FeedbackMethod))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    suggestion: Mapped[Suggestion] = relationship()
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
