"""The committee's figures for the director's report, for any period and community, each from one query."""
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import func, or_, select

from ..campaigns.models import DONE_STATES, ChecklistItem, ChecklistRecord, ItemKind
from ..evaluations.models import Evaluation
from ..extensions import db
from ..figures import rate
from ..matters.models import MatterState, PracticalMatter
from ..meetings.models import Meeting, MeetingKind
from ..meetings.services import Tally, attendance_rates, period_total
from ..models import DeputyProfile, utcnow
from ..periods import Period, local_day_range
from ..suggestions.adoption import adoption_overall, opinion_figures


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
    matters_done: int
    voter_meetings: int
    attendance: Tally
    ballots: int
    satisfied: int

    @property
    def adoption_rate(self) -> Fraction | None:
        return rate(self.adopted, self.submitted)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        return rate(self.satisfied, self.ballots)


def committee_figures(start: date, end: date, community_id: int | None = None) -> CommitteeFigures:
    """Every figure of the overview for records dated from `start` to `end` (inclusive), in one community or all."""
    period = Period(start, end, community_id)
    adoption = adoption_overall(period)
    return CommitteeFigures(
        start=start,
        end=end,
        community_id=community_id,
        deputies_in_communities=_deputies_in_communities(start, end, community_id),
        opinions=opinion_figures(period).opinions,
        submitted=adoption.submitted,
        adopted=adoption.adopted,
        matters_done=_matters_done(start, end, community_id),
        voter_meetings=_voter_meetings(start, end, community_id),
        attendance=_attendance(start, end, community_id),
        **_ballots(start, end, community_id),
    )


def _deputies_in_communities(start: date, end: date, community_id: int | None) -> int:
    """Distinct deputies with a 体验一天 (community day) record, recorded or verified, dated in the period."""
    query = (
        select(func.count(ChecklistRecord.deputy_id.distinct()))
        .join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
        .where(ChecklistItem.kind == ItemKind.COMMUNITY_DAY, ChecklistRecord.state.in_(DONE_STATES))
        .where(ChecklistRecord.done_on >= start, ChecklistRecord.done_on <= end)
    )
    if community_id:
        query = query.where(ChecklistRecord.community_id == community_id)
    return db.session.scalar(query)


def _matters_done(start: date, end: date, community_id: int | None) -> int:
    """Practical matters finished (已办结) in the period."""
    query = select(func.count(PracticalMatter.id)).where(
        PracticalMatter.state == MatterState.DONE, PracticalMatter.done_on >= start, PracticalMatter.done_on <= end
    )
    if community_id:
        query = query.where(PracticalMatter.community_id == community_id)
    return db.session.scalar(query)


def _voter_meetings(start: date, end: date, community_id: int | None) -> int:
    """Deputy–voter meetings and visits held (closed or over) in the period."""
    since, until = local_day_range(start, end)
    query = (
        select(func.count(Meeting.id))
        .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
        .where(MeetingKind.voter_log, or_(Meeting.closed, Meeting.ends_at < utcnow()))
        .where(Meeting.starts_at >= since, Meeting.starts_at < until)
    )
    if community_id:
        query = query.where(Meeting.community_id == community_id)
    return db.session.scalar(query)


def _attendance(start: date, end: date, community_id: int | None) -> Tally:
    """The committee's attendance over the period: the sum of its deputies' tallies."""
    rates = attendance_rates(start, end)
    if community_id:
        members = set(db.session.scalars(select(DeputyProfile.user_id).where(DeputyProfile.community_id == community_id)))
        rates = [r for r in rates if r.deputy.id in members]
    return period_total(rates)


def _ballots(start: date, end: date, community_id: int | None) -> dict[str, int]:
    """Voter evaluation ballots of periods overlapping this one: all ballots and the 满意 ones."""
    query = select(
        func.coalesce(func.sum(Evaluation.satisfied + Evaluation.basically_satisfied + Evaluation.dissatisfied), 0),
        func.coalesce(func.sum(Evaluation.satisfied), 0),
    ).where(Evaluation.starts_on <= end, Evaluation.ends_on >= start)
    if community_id:
        query = query.join(DeputyProfile, DeputyProfile.user_id == Evaluation.deputy_id).where(
            DeputyProfile.community_id == community_id
        )
    ballots, satisfied = db.session.execute(query).one()
    return {"ballots": int(ballots), "satisfied": int(satisfied)}
