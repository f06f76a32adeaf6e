"""The committee's figures, each defined once, for any period and community.

The overview, the status wall, the work report and the deputy's record all read them from here.
"""
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, func, or_, select

from ..campaigns.services import deputies_in_communities
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
from ..periods import Period
from ..suggestions.adoption import adoption_overall, answers_in_period, opinion_figures


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
    return CommitteeFigures(
        period=period,
        deputies_in_communities=deputies_in_communities(period),
        opinions=opinion_figures(period).opinions,
        submitted=adoption.submitted,
        adopted=adoption.adopted,
        answered=answers_in_period(period).submitted,
        matters_done=_count(matters_done_query(period)),
        voter_meetings=_count(voter_meetings_query(period)),
        attendance=period_tally(period),
        **_ballots(period),
    )


def matters_done_query(period: Period) -> Select:
    """Practical matters finished (已办结) in the period, by date: the overview counts them, the report lists them."""
    query = select(PracticalMatter).where(PracticalMatter.state == MatterState.DONE).order_by(PracticalMatter.done_on, PracticalMatter.id)
    return period.filter(query, PracticalMatter.done_on, PracticalMatter.community_id)


def voter_meetings_query(period: Period) -> Select:
    """Deputy–voter meetings and visits held (closed or over) in the period, by start."""
    query = (
        select(Meeting)
        .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
        .where(MeetingKind.voter_log, or_(Meeting.closed, Meeting.ends_at < utcnow()))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return period.filter_times(query, Meeting.starts_at, Meeting.community_id)


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def evaluations_query(period: Period) -> Select:
    """Voter evaluations held in the period (by the evaluation's date), of deputies of the community on that day
    (or all), by community then deputy."""
    community = community_on(Evaluation.deputy_id, Evaluation.evaluated_on)
    query = select(Evaluation).order_by(community, Evaluation.deputy_id, Evaluation.starts_on)
    return period.filter(query, Evaluation.evaluated_on, community)


def _ballots(period: Period) -> dict[str, int]:
    """Voter evaluation ballots of the evaluations in the period: all ballots and the 满意 ones."""
    rows = evaluations_query(period).order_by(None).subquery()
    ballots, satisfied = db.session.execute(
        select(
            func.coalesce(func.sum(rows.c.satisfied + rows.c.basically_satisfied + rows.c.dissatisfied), 0),
            func.coalesce(func.sum(rows.c.satisfied), 0),
        )
    ).one()
    return {"ballots": int(ballots), "satisfied": int(satisfied)}
