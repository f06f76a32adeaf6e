"""The committee's work report for a period and community: the overview's figures and the tables behind them.

Nothing here defines a figure: each number comes from the service that the overview, the adoption page or
the attendance page shows it from; this module only gathers them in the report's order.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from ..campaigns.models import Campaign
from ..campaigns.services import CampaignTallies, campaign_tallies, campaigns_of
from ..evaluations.models import Evaluation
from ..evaluations.services import Rating, rating_for, thresholds
from ..extensions import db
from ..matters.models import PracticalMatter
from ..meetings.models import Meeting
from ..meetings.counting import Tally
from ..meetings.rates import monthly_attendance
from ..models import Community
from ..periods import Period
from ..points.scoring import PointsRow, points_table
from ..suggestions.adoption import (
    AdoptionRow,
    adopted_suggestions,
    adoption_by_category,
    adoption_by_community,
    opinions_by_category,
    opinions_by_community,
    submitted_by_state,
)
from ..suggestions.models import SuggestionState
from .figures import CommitteeFigures, committee_figures, evaluations_query, matters_done_query, voter_meetings_query
from .services import SuggestionOutcome, latest_answers


@dataclass
class WorkReport:
    """Everything the report says for one period and community, in its order."""

    period: Period
    community: Community | None
    figures: CommitteeFigures
    campaigns: list[tuple[Campaign, CampaignTallies]]
    opinions_by_category: list[tuple[str, int]]
    opinions_by_community: list[tuple[str, int]]
    adoption_by_category: list[AdoptionRow]
    adoption_by_community: list[AdoptionRow]
    state_counts: list[tuple[SuggestionState, int]]
    adopted: list[SuggestionOutcome]
    matters: list[PracticalMatter]
    attendance_by_month: list[tuple[date, Tally]]
    voter_meetings: list[Meeting]
    evaluations: list[tuple[Evaluation, Rating | None]]
    points: tuple[PointsRow, ...] = ()  # every deputy's duty days and points in the period


def work_report(period: Period) -> WorkReport:
    """The report for a period (both dates set) and its community, if any."""
    community_id = period.community_id
    adopted = adopted_suggestions(period)
    answers = latest_answers([s.id for s in adopted])
    settings = thresholds()
    return WorkReport(
        period=period,
        community=db.session.get(Community, community_id) if community_id else None,
        figures=committee_figures(period),
        campaigns=[(campaign, campaign_tallies(campaign, community_id)) for campaign in campaigns_of(period)],
        opinions_by_category=opinions_by_category(period),
        opinions_by_community=opinions_by_community(period),
        adoption_by_category=adoption_by_category(period),
        adoption_by_community=adoption_by_community(period),
        state_counts=submitted_by_state(period),
        adopted=[SuggestionOutcome(s, answers.get(s.id)) for s in adopted],
        matters=list(db.session.scalars(matters_done_query(period).options(joinedload(PracticalMatter.community)))),
        attendance_by_month=monthly_attendance(period),
        voter_meetings=list(db.session.scalars(voter_meetings_query(period).options(joinedload(Meeting.community)))),
        evaluations=[
            (e, rating_for(e.satisfaction, settings))
            for e in db.session.scalars(evaluations_query(period).options(joinedload(Evaluation.deputy)))
        ],
        points=points_table(period),
    )
