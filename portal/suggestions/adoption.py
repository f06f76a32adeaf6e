"""The adoption rate (采纳率 = adopted ÷ submitted) overall and by category, community, deputy and month, by query."""
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, case, extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..figures_cache import OPINIONS, PEOPLE, cached_figure
from ..figures import rate
from ..models import Community, User
from ..periods import Period, period_statement
from ..opinions.models import Category, Opinion
from .models import ADOPTED_STATES, SUBMITTED_STATES, Suggestion, SuggestionState, suggestion_deputies


@dataclass
class AdoptionRow:
    """One line of the figures: how many were submitted and adopted, and the exact rate."""

    label: str
    submitted: int
    adopted: int

    @property
    def rate(self) -> Fraction | None:
        return rate(self.adopted, self.submitted)


def _counted(*columns):
    """select(columns..., submitted, adopted) over suggestions that reached 已上报."""
    adopted = func.coalesce(func.sum(case((Suggestion.state.in_(ADOPTED_STATES), 1), else_=0)), 0)
    return select(*columns, func.count(Suggestion.id.distinct()), adopted).where(Suggestion.state.in_(SUBMITTED_STATES))


def _filtered(query, period: Period):
    return period.filter(query, Suggestion.submitted_on, Suggestion.community_id)


@cached_figure(OPINIONS, PEOPLE)
def _submitted_sums(period: Period) -> dict[str, dict]:
    """The suggestions submitted in the period, (submitted, adopted) overall (key None), per category (position, id,
    name), per community (id, name; None: none, in the database's order of names) and per state, from one grouped
    statement: every adoption figure of the overview is one of these sums."""
    overall, by_category, by_community, by_state = {}, {}, {}, {}
    for position, category_id, category, community_id, community, state, n in db.session.execute(*_submitted_statement(period)):
        adopted = n if state in ADOPTED_STATES else 0
        for sums, key in ((overall, None), (by_category, (position, category_id, category)), (by_community, (community_id, community)),
                          (by_state, state)):
            submitted, was_adopted = sums.get(key, (0, 0))
            sums[key] = (submitted + n, was_adopted + adopted)
    return {"overall": overall, "category": by_category, "community": by_community, "state": by_state}


@period_statement
def _submitted_statement(period: Period) -> Select:
    query = (
        select(Category.position, Category.id, Category.name, Community.id, Community.name, Suggestion.state, func.count())
        .select_from(Suggestion)
        .join(Category, Suggestion.category_id == Category.id)
        .outerjoin(Community, Suggestion.community_id == Community.id)
        .where(Suggestion.state.in_(SUBMITTED_STATES))
        .group_by(Category.position, Category.id, Category.name, Community.id, Community.name, Suggestion.state)
        .order_by(Community.name, Community.id)
    )
    return _filtered(query, period)


@cached_figure(OPINIONS, PEOPLE)
def adoption_overall(period: Period = Period()) -> AdoptionRow:
    """All suggestions submitted in the period."""
    return AdoptionRow("", *_submitted_sums(period)["overall"].get(None, (0, 0)))


@cached_figure(OPINIONS, PEOPLE)
def adoption_by_category(period: Period = Period()) -> list[AdoptionRow]:
    """Per category, in the categories' order."""
    return [AdoptionRow(name, *counts) for (_position, _id, name), counts in sorted(_submitted_sums(period)["category"].items())]


@cached_figure(OPINIONS, PEOPLE)
def adoption_by_community(period: Period = Period()) -> list[AdoptionRow]:
    """Per community the suggestions concern ('—' for none), by name."""
    return [AdoptionRow(name or "—", *counts) for (_id, name), counts in _submitted_sums(period)["community"].items()]


@cached_figure(OPINIONS, PEOPLE)
def adoption_by_deputy(period: Period = Period()) -> list[AdoptionRow]:
    """Per proposing deputy: a suggestion of two deputies counts for each of them."""
    return [AdoptionRow(*row) for row in db.session.execute(*_by_deputy_statement(period))]


@period_statement
def _by_deputy_statement(period: Period) -> Select:
    query = (
        _counted(User.name)
        .join(suggestion_deputies, suggestion_deputies.c.suggestion_id == Suggestion.id)
        .join(User, User.id == suggestion_deputies.c.deputy_id)
    )
    return _filtered(query, period).group_by(User.id, User.name).order_by(User.name)


@cached_figure(OPINIONS, PEOPLE)
def adoption_by_month(period: Period = Period()) -> list[AdoptionRow]:
    """Per month of submission, labelled YYYY-MM."""
    rows = db.session.execute(*_by_month_statement(period))
    return [AdoptionRow(f"{int(y):04d}-{int(m):02d}", submitted, adopted) for y, m, submitted, adopted in rows]


@period_statement
def _by_month_statement(period: Period) -> Select:
    year, month = extract("year", Suggestion.submitted_on), extract("month", Suggestion.submitted_on)
    return _filtered(_counted(year, month), period).group_by(year, month).order_by(year, month)


def answers_in_period(period: Period = Period()) -> AdoptionRow:
    """本期答复: the district's answers that arrived in the period (by answer date), whenever submitted; of them, adoptions."""
    adopted = func.coalesce(func.sum(case((Suggestion.state.in_(ADOPTED_STATES), 1), else_=0)), 0)
    answered, adopted_count = db.session.execute(answers_query(period, func.count(Suggestion.id), adopted)).one()
    return AdoptionRow("", answered, adopted_count)


def answers_query(period: Period, *columns) -> Select:
    """select(columns...) over the answers that arrived in the period (本期答复)."""
    return period.filter(select(*columns).where(Suggestion.answered_on.is_not(None)), Suggestion.answered_on, Suggestion.community_id)


@dataclass
class OpinionFigures:
    """The opinions side of the report: opinions collected and deputies who collected them."""

    opinions: int
    deputies: int


def _opinions_in(query, period: Period):
    """Opinions collected in the period (by collection date), in the community."""
    return period.filter(query, Opinion.collected_on, Opinion.community_id)


@cached_figure(OPINIONS, PEOPLE)
def opinion_figures(period: Period = Period()) -> OpinionFigures:
    """Opinions collected in the period (by collection date) and the distinct deputies who collected them."""
    return OpinionFigures(*db.session.execute(*_opinion_counts(period)).one())


@period_statement
def _opinion_counts(period: Period) -> Select:
    return _opinions_in(select(func.count(Opinion.id), func.count(Opinion.deputy_id.distinct())), period)


@cached_figure(OPINIONS, PEOPLE)
def _collected_counts(period: Period) -> tuple[tuple[tuple[int, int, str], tuple[int, str], int], ...]:
    """Opinions collected in the period counted by category and community, by community name as the database orders
    it: counted first, in one pass over the period's index range, then named."""
    return tuple(((position, category_id, category), (community_id, community), n)
                 for position, category_id, category, community_id, community, n in db.session.execute(*_collected_statement(period)))


@period_statement
def _collected_statement(period: Period) -> Select:
    counts = _opinions_in(select(Opinion.category_id, Opinion.community_id, func.count().label("n")), period)
    counts = counts.group_by(Opinion.category_id, Opinion.community_id).subquery()
    return (
        select(Category.position, Category.id, Category.name, Community.id, Community.name, counts.c.n)
        .join(counts, counts.c.category_id == Category.id)
        .join(Community, Community.id == counts.c.community_id)
        .order_by(Community.name, Community.id)
    )


def opinions_by_category(period: Period = Period()) -> list[tuple[str, int]]:
    """Opinions collected in the period per category, in the categories' order (categories with none left out)."""
    sums: dict = {}
    for category, _community, n in _collected_counts(period):
        sums[category] = sums.get(category, 0) + n
    return [(name, n) for (_position, _id, name), n in sorted(sums.items())]


def opinions_by_community(period: Period = Period()) -> list[tuple[str, int]]:
    """Opinions collected in the period per community, by name."""
    sums: dict = {}
    for _category, community, n in _collected_counts(period):
        sums[community] = sums.get(community, 0) + n
    return [(name, n) for (_id, name), n in sums.items()]


def submitted_suggestions(period: Period = Period()) -> Select:
    """The suggestions counted as 上报 in the period (reached 已上报, submitted in the period), as a query to narrow."""
    return _filtered(select(Suggestion).where(Suggestion.state.in_(SUBMITTED_STATES)), period)


def collected_opinions(period: Period = Period()) -> Select:
    """The opinions counted as collected in the period, as a query to narrow."""
    return _opinions_in(select(Opinion), period)


def adopted_suggestions(period: Period = Period()) -> list[Suggestion]:
    """The suggestions submitted in the period that the district adopted (the 采纳 of the rate), by submission."""
    query = submitted_suggestions(period).where(Suggestion.state.in_(ADOPTED_STATES))
    query = query.options(joinedload(Suggestion.category), selectinload(Suggestion.deputies))
    return list(db.session.scalars(query.order_by(Suggestion.submitted_on, Suggestion.id)))


def submitted_by_state(period: Period = Period()) -> list[tuple[SuggestionState, int]]:
    """The suggestions submitted in the period by where they stand now, in the workflow's order; they add up to 上报."""
    found = {state: submitted for state, (submitted, _adopted) in _submitted_sums(period)["state"].items()}
    return [(state, found.get(state, 0)) for state in SuggestionState if state in SUBMITTED_STATES]
