"""Voter evaluations (选民评议): recording ballots, the satisfaction rate and the rating. Services flush; callers commit."""
import enum
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.services import active_deputies
from ..clock import local_today
from ..errors import ServiceError, add_or_existing
from ..extensions import db
from ..membership import require_deputy_on
from ..models import Role, User, utcnow
from ..periods import Period, check_dates
from .models import (
    DEFAULT_BASIC_MIN,
    DEFAULT_COMPETENT_MIN,
    Evaluation,
    EvaluationSettings,
)


class Rating(str, enum.Enum):
    """称职 / 基本称职 / 不称职."""

    COMPETENT = "competent"
    BASIC = "basic"
    INCOMPETENT = "incompetent"

    @property
    def label(self) -> str:
        return str(RATING_LABELS[self])


RATING_LABELS = {
    Rating.COMPETENT: _l("Competent"),
    Rating.BASIC: _l("Basically competent"),
    Rating.INCOMPETENT: _l("Not competent"),
}

MAX_BALLOTS = 100_000


def thresholds() -> EvaluationSettings:
    """The rating thresholds: the single settings row, or the defaults (not saved: reading never writes)."""
    settings = db.session.get(EvaluationSettings, 1)
    if settings is None:
        settings = EvaluationSettings(id=1, competent_min=DEFAULT_COMPETENT_MIN, basic_min=DEFAULT_BASIC_MIN)
    return settings


def set_thresholds(actor: User, competent_min: int | None, basic_min: int | None) -> EvaluationSettings:
    """Change the thresholds (admin): 0 ≤ basic < competent ≤ 100, in whole percent."""
    if not actor.has_role(Role.ADMIN):
        raise ServiceError(_("Only the administrator may change the thresholds."))
    if competent_min is None or not 1 <= competent_min <= 100:
        raise ServiceError(_("Enter a whole percentage between 1 and 100."), "competent_min")
    if basic_min is None or not 0 <= basic_min < competent_min:
        raise ServiceError(_("It must be at least 0 and below the threshold for competent."), "basic_min")
    settings = thresholds()
    settings.competent_min, settings.basic_min = competent_min, basic_min
    db.session.add(settings)
    db.session.flush()
    return settings


def rating_for(satisfaction: Fraction | None, settings: EvaluationSettings | None = None) -> Rating | None:
    """The rating a satisfaction rate earns under the thresholds (None without ballots)."""
    if satisfaction is None:
        return None
    settings = settings or thresholds()
    if satisfaction >= Fraction(settings.competent_min, 100):
        return Rating.COMPETENT
    if satisfaction >= Fraction(settings.basic_min, 100):
        return Rating.BASIC
    return Rating.INCOMPETENT


def year_period(year: int) -> tuple[date, date]:
    """A calendar year as a period."""
    return date(year, 1, 1), date(year, 12, 31)


def record_evaluation(actor: User, deputy: User | None, starts_on: date | None, ends_on: date | None,
                      satisfied: int | None, basically_satisfied: int | None, dissatisfied: int | None,
                      evaluated_on: date | None = None, number: str | None = None) -> Evaluation:
    """Record a deputy's ballots for a period; recording the same deputy and period again replaces the counts.

    `number` is an imported record's own number (编号), given to a new row; a new record takes the next one.

    `evaluated_on` is the day the voters evaluated (default today): not in the future, not before the
    period began. The row is found by its (deputy, period) key and changed through the ORM, so the
    audit log sees it and a save that changes nothing writes nothing; the unique key still refuses a
    second row.
    """
    if not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only the office records evaluations."))
    if deputy is None or deputy.role is not Role.DEPUTY:
        raise ServiceError(_("Please choose an active deputy."), "deputy")
    check_dates(starts_on, ends_on)
    evaluated_on = evaluated_on or local_today()
    if evaluated_on > local_today():
        raise ServiceError(_("The date cannot be in the future."), "evaluated_on")
    if evaluated_on < starts_on:
        raise ServiceError(_("The evaluation cannot be dated before its period begins."), "evaluated_on")
    require_deputy_on(deputy, evaluated_on, "deputy")
    counts = {"satisfied": satisfied, "basically_satisfied": basically_satisfied, "dissatisfied": dissatisfied}
    for field, value in counts.items():
        if value is None or not 0 <= value <= MAX_BALLOTS:
            raise ServiceError(_("Enter a number between 0 and %(n)d.", n=MAX_BALLOTS), field)
    if sum(counts.values()) == 0:
        raise ServiceError(_("Please enter the ballots."), "satisfied")
    def recorded() -> Evaluation | None:
        return db.session.scalar(
            select(Evaluation).where(Evaluation.deputy_id == deputy.id, Evaluation.starts_on == starts_on, Evaluation.ends_on == ends_on)
            .execution_options(populate_existing=True)
        )

    values = {**counts, "evaluated_on": evaluated_on}
    evaluation = recorded()
    if evaluation is None:  # a twin request that saved the same deputy and period first: replace its counts
        new = Evaluation(deputy_id=deputy.id, starts_on=starts_on, ends_on=ends_on, recorded_by_id=actor.id,
                         recorded_at=utcnow(), **values)
        if number:
            new.number = number
        evaluation = add_or_existing(new, recorded)
        if evaluation is new:
            return evaluation
    if any(getattr(evaluation, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(evaluation, key, value)
        evaluation.recorded_by_id, evaluation.recorded_at = actor.id, utcnow()
    db.session.flush()
    return evaluation


@dataclass
class EvaluationRow:
    """A line of the overview: the deputy, their evaluation in the period (or None), its rate and rating."""

    deputy: User
    evaluation: Evaluation | None
    rating: Rating | None


def evaluations_of(deputy_id: int) -> list[tuple[Evaluation, Rating | None]]:
    """A deputy's evaluations, latest period first, each with its rating (for the profile)."""
    settings = thresholds()
    rows = db.session.scalars(select(Evaluation).where(Evaluation.deputy_id == deputy_id).order_by(Evaluation.starts_on.desc()))
    return [(e, rating_for(e.satisfaction, settings)) for e in rows]


def overview(starts_on: date, ends_on: date, community_id: int | None = None) -> list[EvaluationRow]:
    """Every deputy of the period (a membership met it, in the community if given) with their evaluation for exactly
    this period (None where not yet recorded): a deputy deactivated later stays in a past year's list."""
    settings = thresholds()
    found = {
        e.deputy_id: e
        for e in db.session.scalars(select(Evaluation).where(Evaluation.starts_on == starts_on, Evaluation.ends_on == ends_on))
    }
    rows = []
    for deputy in active_deputies(community_id, during=Period(starts_on, ends_on)):
        evaluation = found.get(deputy.id)
        rows.append(EvaluationRow(deputy, evaluation, rating_for(evaluation.satisfaction, settings) if evaluation else None))
    return rows
