"""Answers owed: the district's answer due date, the overdue suggestions, and the 回访 a deputy owes their voters.

Services flush; the request commits.
"""
import functools
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..errors import ServiceError, add_or_existing
from ..extensions import db
from ..figures_cache import OPINIONS, PEOPLE, cached_figure
from ..models import Role, User
from ..opinions.models import Opinion
from .models import ANSWERED_STATES, AnswerFeedback, FeedbackMethod, Suggestion, SuggestionState, suggestion_deputies

NOTE_MAX = 500


def set_answer_due(actor: User, suggestion: Suggestion, due_on: date | None) -> Suggestion:
    """Staff move the date the district's answer is due (not before the submission)."""
    if not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only the committee office may change the due date."))
    if suggestion.state is SuggestionState.DRAFT:
        raise ServiceError(_("A draft has no answer due date; it is set when the suggestion is submitted."))
    if due_on is None:
        raise ServiceError(_("Please enter the date."), "answer_due_on")
    if suggestion.submitted_on and due_on < suggestion.submitted_on:
        raise ServiceError(_("The answer cannot be due before the suggestion was submitted."), "answer_due_on")
    suggestion.answer_due_on = due_on
    db.session.flush()
    return suggestion


def is_overdue(suggestion: Suggestion, today: date | None = None) -> bool:
    """Submitted, still unanswered, and past its due date."""
    return (suggestion.state is SuggestionState.SUBMITTED and suggestion.answer_due_on is not None
            and suggestion.answer_due_on < (today or local_today()))


# The staff home lists this many; the whole list is the suggestions list filtered to the overdue ones.
OVERDUE_SHOWN = 10


def overdue_condition(today: date):
    """The condition: submitted, still unanswered, and due before `today`."""
    return Suggestion.state == SuggestionState.SUBMITTED, Suggestion.answer_due_on < today


@dataclass(frozen=True)
class OverdueRow:
    """One overdue suggestion as the staff home lists it."""

    id: int
    title: str
    deputies: str
    submitted_on: date | None
    answer_due_on: date


@dataclass(frozen=True)
class Overdue:
    """How many answers are overdue, and the longest overdue of them."""

    total: int
    first: tuple[OverdueRow, ...]


@cached_figure(OPINIONS, PEOPLE)
def overdue_summary(today: date, limit: int = OVERDUE_SHOWN) -> Overdue:
    """The number of overdue answers and the `limit` longest overdue, with their deputies' names, as plain rows: the
    first `limit` with the count of all, then the names of their deputies."""
    first = db.session.execute(_overdue_statement(), {"today": today, "limit": limit}).all()
    names: dict[int, list[str]] = {}
    if first:
        for suggestion_id, name in db.session.execute(_names_statement(), {"ids": [row.id for row in first]}):
            names.setdefault(suggestion_id, []).append(name)
    rows = tuple(OverdueRow(row.id, row.title, "、".join(names.get(row.id, ())), row.submitted_on, row.answer_due_on) for row in first)
    return Overdue(first[0].total if first else 0, rows)


@functools.cache
def _overdue_statement() -> Select:
    """The longest overdue (bound `today`, at most `limit`), each row with the number of all overdue: a window count
    is taken before the limit."""
    return (
        select(Suggestion.id, Suggestion.title, Suggestion.submitted_on, Suggestion.answer_due_on, func.count().over().label("total"))
        .where(*overdue_condition(bindparam("today", type_=Suggestion.answer_due_on.type)))
        .order_by(Suggestion.answer_due_on, Suggestion.id)
        .limit(bindparam("limit"))
    )


@functools.cache
def _names_statement() -> Select:
    """The deputies' names of the suggestions in `ids`, in the order `Suggestion.deputies` lists them."""
    return (
        select(suggestion_deputies.c.suggestion_id, User.name)
        .join(User, User.id == suggestion_deputies.c.deputy_id)
        .where(suggestion_deputies.c.suggestion_id.in_(bindparam("ids", expanding=True)))
        .order_by(suggestion_deputies.c.suggestion_id, User.name)
    )


def _owed_by(deputy_id: int):
    """The condition: answered, gathers an opinion the deputy collected, and no 回访 of theirs yet."""
    return (
        Suggestion.state.in_(ANSWERED_STATES),
        # Driven from the deputy's opinions (their index), not by probing every answered suggestion.
        Suggestion.id.in_(select(Opinion.suggestion_id).where(Opinion.deputy_id == deputy_id)),
        ~exists().where(AnswerFeedback.suggestion_id == Suggestion.id, AnswerFeedback.deputy_id == deputy_id),
    )


def answers_to_carry_back(deputy_id: int) -> list[Suggestion]:
    """Answered suggestions gathering the deputy's opinions whose answer they have not yet carried back, oldest first."""
    query = select(Suggestion).where(*_owed_by(deputy_id)).order_by(Suggestion.submitted_on, Suggestion.id)
    return list(db.session.scalars(query.options(joinedload(Suggestion.events))).unique())


@dataclass
class FeedbackFields:
    """What the deputy enters for a 回访."""

    fed_back_on: date | None
    method: FeedbackMethod | None
    note: str = ""


def record_feedback(actor: User, suggestion: Suggestion, fields: FeedbackFields) -> AnswerFeedback:
    """The deputy records that they carried the suggestion's answer back to the voters (once per suggestion)."""
    owed = db.session.scalar(select(exists().where(Suggestion.id == suggestion.id, *_owed_by(actor.id))))
    if not owed:
        raise ServiceError(_("This answer is not one you still have to carry back."))
    if fields.fed_back_on is None:
        raise ServiceError(_("Please enter the date."), "fed_back_on")
    if fields.fed_back_on > local_today():
        raise ServiceError(_("The date cannot be in the future."), "fed_back_on")
    if suggestion.submitted_on and fields.fed_back_on < suggestion.submitted_on:
        raise ServiceError(_("The date cannot be before the suggestion was submitted."), "fed_back_on")
    if fields.method is None:
        raise ServiceError(_("Please choose how."), "method")
    note = (fields.note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=NOTE_MAX), "note")
    feedback = AnswerFeedback(suggestion_id=suggestion.id, deputy_id=actor.id, fed_back_on=fields.fed_back_on,
                              method=fields.method, note=note, recorded_by_id=actor.id)
    return add_or_existing(feedback, lambda: feedback_of(actor.id, suggestion.id))  # a twin post's row if it came first


def feedback_of(deputy_id: int, suggestion_id: int) -> AnswerFeedback | None:
    """The deputy's 回访 of the suggestion's answer, if recorded."""
    return db.session.scalar(
        select(AnswerFeedback).where(AnswerFeedback.suggestion_id == suggestion_id, AnswerFeedback.deputy_id == deputy_id))
