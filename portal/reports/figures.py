"""The committee's figures, each defined once, for any period and community.

The overview, the status wall, the work report and the deputy's record all read them from here.
"""
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, bindparam, func, or_, select

from ..campaigns.services import deputies_in_communities_count
from ..evaluations.models import Evaluation
from ..extensions import db
from ..figures_cache import ATTENDANCE, CHECKLIST, EVALUATIONS, MATTERS, OPINIONS, PEOPLE, cached_figure
from ..figures import rate
from ..matters.models import MatterState, PracticalMatter
from ..meetings.models import Meeting, MeetingKind
from ..meetings.counting import Tally
from ..meetings.rates import period_tally
from ..membership import community_on
from ..models import utcnow
from ..opinions.models import Opinion
from ..periods import Period, period_statement
from ..suggestions.adoption import adoption_overall, answers_query, collected_opinions
from ..suggestions.models import Suggestion


@dataclass
class CommitteeFigures:
    """The report's figures (“10位代表深入社区，收集选民意见69条 … 采纳17条，采纳率25%”) and the systems' figures."""

    period: Period
    deputies_in_communities: int
    opinions: int
    submitted: int
    adopted: int
    answered: int  # 本期答复: answers that arrived in the period, whatever the submission date
    matters_done: int
    voter_meetings: int
    attendance: Tally
    ballots: int
    satisfied: int

    @property
    def adoption_rate(self) -> Fraction | None:
        """采纳率: adopted ÷ submitted."""
        return rate(self.adopted, self.submitted)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        """满意率: 满意 ballots ÷ all ballots."""
        return rate(self.satisfied, self.ballots)


@cached_figure(ATTENDANCE, CHECKLIST, OPINIONS, MATTERS, EVALUATIONS, PEOPLE)
def committee_figures(period: Period) -> CommitteeFigures:
    """Every figure of the overview for records dated in the period (both dates set), in its community or all."""
    adoption = adoption_overall(period)
    statement, parameters = _counts_statement(period)
    went, opinions, answered, matters_done, voter_meetings, ballots, satisfied = db.session.execute(statement, parameters).one()
    return CommitteeFigures(
        period=period,
        deputies_in_communities=went,
        opinions=opinions,
        submitted=adoption.submitted,
        adopted=adoption.adopted,
        answered=answered,
        matters_done=matters_done,
        voter_meetings=voter_meetings,
        attendance=period_tally(period),
        ballots=int(ballots),
        satisfied=int(satisfied),
    )


@period_statement
def _counts_statement(period: Period) -> Select:
    """The overview's single counts, each defined where its records are, read as scalar subqueries of one statement:
    已深入社区代表, opinions (`opinion_figures`), 本期答复 (`answers_in_period`), matters done, voter meetings and
    the evaluations' ballots."""
    ballots, satisfied = _ballot_sums(period)
    counts = (
        deputies_in_communities_count(period),
        collected_opinions(period).with_only_columns(func.count(Opinion.id)),
        answers_query(period, func.count(Suggestion.id)),
        _counting(matters_done_query(period)),
        _counting(voter_meetings_query(period)),
        ballots,
        satisfied,
    )
    return select(*(count.scalar_subquery() for count in counts))


def matters_done_query(period: Period) -> Select:
    """Practical matters finished (已办结) in the period, by date: the overview counts them, the report lists them."""
    query = select(PracticalMatter).where(PracticalMatter.state == MatterState.DONE).order_by(PracticalMatter.done_on, PracticalMatter.id)
    return period.filter(query, PracticalMatter.done_on, PracticalMatter.community_id)


def voter_meetings_query(period: Period) -> Select:
    """Deputy–voter meetings and visits held (closed or over) in the period, by start."""
    now = bindparam("now", callable_=utcnow, type_=Meeting.ends_at.type)  # bound: the statement may be built once
    query = (
        select(Meeting)
        .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
        .where(MeetingKind.voter_log, or_(Meeting.closed, Meeting.ends_at < now))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return period.filter_times(query, Meeting.starts_at, Meeting.community_id)


def _counting(query: Select) -> Select:
    return select(func.count()).select_from(query.order_by(None).subquery())


def evaluations_query(period: Period) -> Select:
    """Voter evaluations held in the period (by the evaluation's date), of deputies of the community on that day
    (or all), by community then deputy."""
    community = community_on(Evaluation.deputy_id, Evaluation.evaluated_on)
    query = select(Evaluation).order_by(community, Evaluation.deputy_id, Evaluation.starts_on)
    return period.filter(query, Evaluation.evaluated_on, community)


def _ballot_sums(period: Period) -> tuple[Select, Select]:
    """Voter evaluation ballots of the evaluations in the period: all ballots and the 满意 ones (a statement each)."""
    rows = evaluations_query(period).order_by(None).subquery()
    return (select(func.coalesce(func.sum(rows.c.satisfied + rows.c.basically_satisfied + rows.c.dissatisfied), 0)),
            select(func.coalesce(func.sum(rows.c.satisfied), 0)))
