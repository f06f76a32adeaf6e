"""The committee's figures, each defined once, for any period and community: the overview, the status wall,
the work report and the deputy's record all read them from here."""
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import Select, func, or_, select

from ..campaigns.services import deputies_in_communities
from ..evaluations.models import Evaluation
from ..extensions import db
from ..figures_cache import cached_figure
from ..figures import rate
from ..matters.models import MatterState, PracticalMatter
from ..meetings.models import Meeting, MeetingKind
from ..meetings.rates import Tally, period_tally
from ..models import DeputyProfile, utcnow
from ..periods import Period, local_day_range, period_args
from ..suggestions.adoption import adoption_overall, answers_in_period, opinion_figures


@dataclass
class CommitteeFigures:
    """The report's figures (“10位代表深入社区，收集选民意见69条 … 采纳17条，采纳率25%”) and the systems' figures."""

    start: date
    end: date
    community_id: int | None
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
    def args(self) -> dict:
        """The period and community as query-string arguments, for the lists behind the figures."""
        return period_args(self.start, self.end, community=self.community_id)

    @property
    def adoption_rate(self) -> Fraction | None:
        return rate(self.adopted, self.submitted)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        return rate(self.satisfied, self.ballots)


@cached_figure
def committee_figures(start: date, end: date, community_id: int | None = None) -> CommitteeFigures:
    """Every figure of the overview for records dated from `start` to `end` (inclusive), in one community or all."""
    period = Period(start, end, community_id)
    adoption = adoption_overall(period)
    return CommitteeFigures(
        start=start,
        end=end,
        community_id=community_id,
        deputies_in_communities=deputies_in_communities(period),
        opinions=opinion_figures(period).opinions,
        submitted=adoption.submitted,
        adopted=adoption.adopted,
        answered=answers_in_period(period).submitted,
        matters_done=_count(matters_done_query(start, end, community_id)),
        voter_meetings=_count(voter_meetings_query(start, end, community_id)),
        attendance=_attendance(start, end, community_id),
        **_ballots(start, end, community_id),
    )


def matters_done_query(start: date, end: date, community_id: int | None = None) -> Select:
    """Practical matters finished (已办结) in the period, by date: the overview counts them, the report lists them."""
    query = (
        select(PracticalMatter)
        .where(PracticalMatter.state == MatterState.DONE, PracticalMatter.done_on >= start, PracticalMatter.done_on <= end)
        .order_by(PracticalMatter.done_on, PracticalMatter.id)
    )
    if community_id:
        query = query.where(PracticalMatter.community_id == community_id)
    return query


def voter_meetings_query(start: date, end: date, community_id: int | None = None) -> Select:
    """Deputy–voter meetings and visits held (closed or over) in the period, by start."""
    since, until = local_day_range(start, end)
    query = (
        select(Meeting)
        .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
        .where(MeetingKind.voter_log, or_(Meeting.closed, Meeting.ends_at < utcnow()))
        .where(Meeting.starts_at >= since, Meeting.starts_at < until)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if community_id:
        query = query.where(Meeting.community_id == community_id)
    return query


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _attendance(start: date, end: date, community_id: int | None) -> Tally:
    """The committee's attendance over the period: the sum of its deputies' (of the community's) tallies."""
    return period_tally(start, end, community_id)


def evaluations_query(start: date, end: date, community_id: int | None = None) -> Select:
    """Voter evaluations held in the period (by the evaluation's date), of deputies of the community (or all), by deputy."""
    query = (
        select(Evaluation)
        .join(DeputyProfile, DeputyProfile.user_id == Evaluation.deputy_id)
        .where(Evaluation.evaluated_on >= start, Evaluation.evaluated_on <= end)
        .order_by(DeputyProfile.community_id, Evaluation.deputy_id, Evaluation.starts_on)
    )
    if community_id:
        query = query.where(DeputyProfile.community_id == community_id)
    return query


def _ballots(start: date, end: date, community_id: int | None) -> dict[str, int]:
    """Voter evaluation ballots of the evaluations in the period: all ballots and the 满意 ones."""
    rows = evaluations_query(start, end, community_id).order_by(None).subquery()
    ballots, satisfied = db.session.execute(
        select(
            func.coalesce(func.sum(rows.c.satisfied + rows.c.basically_satisfied + rows.c.dissatisfied), 0),
            func.coalesce(func.sum(rows.c.satisfied), 0),
        )
    ).one()
    return {"ballots": int(ballots), "satisfied": int(satisfied)}
