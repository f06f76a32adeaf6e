"""The deputy's record (履职档案): everything a deputy did in a period, for one deputy or a whole committee at once.

Each part is one query over all the deputies asked for, so printing thirty records costs what printing one does;
each query is built once per shape of period (`period_statement`), the deputies a bound list.
"""
import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ..campaigns.models import Campaign, ChecklistItem, ChecklistRecord
from ..campaigns.services import Progress, progress_of
from ..evaluations.models import Evaluation
from ..evaluations.services import Rating, rating_for, thresholds
from ..extensions import db
from ..matters.models import PracticalMatter, practical_matter_deputies
from ..meetings.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingRoster
from ..meetings.counting import Tally
from ..meetings.rates import attendance_rates, counted_meetings, period_tally
from ..models import Community, DeputyProfile
from ..opinions.models import Opinion
from ..periods import Period, period_statement
from ..points.scoring import RecordPoints, record_points
from ..suggestions.adoption import collected_opinions, submitted_suggestions
from ..suggestions.models import ADOPTED_STATES, ANSWER_STATES, Suggestion, SuggestionEvent, suggestion_deputies
from .figures import matters_done_query



@dataclass
class CampaignPart:
    """A campaign of the period: each active item with the deputy's record of it (or None), and the progress."""

    campaign: Campaign
    items: list[tuple[ChecklistItem, ChecklistRecord | None]]
    progress: Progress


class MarkedMeeting(NamedTuple):
    """A counted meeting as a record shows it: plain values read with the marks, not objects of the session (a
    year's hundred meetings loaded as objects cost the record a tenth of its time)."""

    id: int
    starts_at: datetime
    title: str
    kind: str  # its kind's name
    voter_log: bool
    place: str
    community: str | None  # its community's name
    voter_count: int | None


@dataclass
class MeetingMark:
    """A counted meeting the deputy was rostered for, and their mark (None: never marked)."""

    meeting: MarkedMeeting
    status: AttendanceStatus | None

    @property
    def attended(self) -> bool:
        return self.status is not None and self.status.attended


@dataclass
class SuggestionOutcome:
    """A suggestion the deputy proposed, and the district's answer (the step into adopted or not adopted)."""

    suggestion: Suggestion
    answer: SuggestionEvent | None

    @property
    def adopted(self) -> bool:
        return self.suggestion.state in ADOPTED_STATES


@dataclass
class DeputyRecord:
    """One deputy's 履职档案 for a period."""

    profile: DeputyProfile
    period: Period
    campaigns: list[CampaignPart] = field(default_factory=list)
    attendance: Tally = field(default_factory=Tally)
    meetings: list[MeetingMark] = field(default_factory=list)
    opinions: list[Opinion] = field(default_factory=list)
    suggestions: list[SuggestionOutcome] = field(default_factory=list)
    matters: list[PracticalMatter] = field(default_factory=list)
    evaluations: list[tuple[Evaluation, Rating | None]] = field(default_factory=list)
    points: RecordPoints | None = None  # duty days and points (templates/reports/_record_points.html)

    @property
    def voter_meetings(self) -> list[MeetingMark]:
        """The deputy–voter meetings and visits the deputy attended."""
        return [mark for mark in self.meetings if mark.meeting.voter_log and mark.attended]

    @property
    def adopted(self) -> int:
        return sum(1 for outcome in self.suggestions if outcome.adopted)


def deputy_records(profiles: list[DeputyProfile], period: Period) -> list[DeputyRecord]:
    """The records of these deputies for the period, in the order given; a fixed number of queries."""
    records = {profile.user_id: DeputyRecord(profile, period) for profile in profiles}
    if not records:
        return []
    ids = list(records)
    chosen = {"deputies": ids}
    # A record holds what the deputy did in the period wherever it was: the community only chose the deputies.
    everywhere = Period(period.start, period.end)
    _add_campaigns(records, everywhere)
    _add_attendance(records, everywhere)
    statement, parameters = _opinions(everywhere)
    for opinion in db.session.scalars(statement, parameters | chosen):
        records[opinion.deputy_id].opinions.append(opinion)
    _add_suggestions(records, everywhere)
    statement, parameters = _matters(everywhere)
    for matter, deputy_id in db.session.execute(statement, parameters | chosen):
        records[deputy_id].matters.append(matter)
    settings = thresholds()
    statement, parameters = _evaluations(everywhere)
    for evaluation in db.session.scalars(statement, parameters | chosen):
        records[evaluation.deputy_id].evaluations.append((evaluation, rating_for(evaluation.satisfaction, settings)))
    for deputy_id, points in record_points(ids, everywhere).items():
        records[deputy_id].points = points
    return list(records.values())


def _deputies():
    """The deputies asked for, a bound list."""
    return bindparam("deputies", expanding=True)


@period_statement
def _opinions(period: Period) -> Select:
    return (collected_opinions(period)
            .options(joinedload(Opinion.community), joinedload(Opinion.category), joinedload(Opinion.suggestion))
            .where(Opinion.deputy_id.in_(_deputies())).order_by(Opinion.collected_on, Opinion.id))


@period_statement
def _matters(period: Period) -> Select:
    return (matters_done_query(period).add_columns(practical_matter_deputies.c.deputy_id)
            .join(practical_matter_deputies, practical_matter_deputies.c.matter_id == PracticalMatter.id)
            .options(joinedload(PracticalMatter.community)).where(practical_matter_deputies.c.deputy_id.in_(_deputies())))


@period_statement
def _evaluations(period: Period) -> Select:
    evaluations = select(Evaluation).where(Evaluation.deputy_id.in_(_deputies())).order_by(Evaluation.starts_on.desc())
    return period.filter_overlapping(evaluations, Evaluation.starts_on, Evaluation.ends_on)


@period_statement
def _campaigns(period: Period) -> Select:
    query = select(Campaign).options(selectinload(Campaign.items)).order_by(Campaign.starts_on, Campaign.id)
    return period.filter_overlapping(query, Campaign.starts_on, Campaign.ends_on)


@functools.cache
def _checklist_records() -> Select:
    """The deputies' records of the items of the campaigns `campaigns`."""
    return (select(ChecklistRecord).join(ChecklistItem)
            .options(joinedload(ChecklistRecord.community), joinedload(ChecklistRecord.practical_matter),
                     joinedload(ChecklistRecord.suggestion))
            .where(ChecklistItem.campaign_id.in_(bindparam("campaigns", expanding=True)),
                   ChecklistRecord.deputy_id.in_(_deputies())))


def _add_campaigns(records: dict[int, DeputyRecord], period: Period) -> None:
    """The campaigns whose window overlaps the period, each active item with each deputy's record."""
    campaigns = list(db.session.scalars(*_campaigns(period)))
    if not campaigns:
        return
    found: dict[tuple[int, int], ChecklistRecord] = {}
    for row in db.session.scalars(_checklist_records(), {"campaigns": [c.id for c in campaigns], "deputies": list(records)}):
        found[row.deputy_id, row.item_id] = row
    for deputy_id, record in records.items():
        for campaign in campaigns:
            mine = {item.id: found[deputy_id, item.id] for item in campaign.items if (deputy_id, item.id) in found}
            items = [(item, mine.get(item.id)) for item in campaign.counted_items]
            record.campaigns.append(CampaignPart(campaign, items, progress_of(campaign, mine)))


@period_statement
def _marks(period: Period) -> Select:
    """The counted meetings of the period the deputies were rostered for, with their marks."""
    return counted_meetings(
        select(MeetingRoster.deputy_id, Meeting.id, Meeting.starts_at, Meeting.title, MeetingKind.name, MeetingKind.voter_log,
               Meeting.place, Community.name, Meeting.voter_count, Attendance.status)
        .join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
        .outerjoin(Community, Community.id == Meeting.community_id)
        .outerjoin(
            Attendance,
            (Attendance.meeting_id == MeetingRoster.meeting_id) & (Attendance.deputy_id == MeetingRoster.deputy_id),
        )
        .where(MeetingRoster.deputy_id.in_(_deputies()))
        .order_by(Meeting.starts_at, Meeting.id),
        period,
    )


def _add_attendance(records: dict[int, DeputyRecord], period: Period) -> None:
    """The attendance tally (the rates page's figure) and the counted meetings with each deputy's mark."""
    if len(records) == 1:
        deputy_id = next(iter(records))
        records[deputy_id].attendance = period_tally(period, deputy_id=deputy_id)
    else:
        for row in attendance_rates(period):
            if row.deputy.id in records:
                records[row.deputy.id].attendance = row.tally
    statement, parameters = _marks(period)
    for deputy_id, *meeting, status in db.session.execute(statement, parameters | {"deputies": list(records)}):
        records[deputy_id].meetings.append(MeetingMark(MarkedMeeting(*meeting), status))


@period_statement
def _suggestions(period: Period) -> Select:
    return (submitted_suggestions(period)
            .add_columns(suggestion_deputies.c.deputy_id)
            .join(suggestion_deputies, suggestion_deputies.c.suggestion_id == Suggestion.id)
            .options(joinedload(Suggestion.category), joinedload(Suggestion.community))
            .where(suggestion_deputies.c.deputy_id.in_(_deputies()))
            .order_by(Suggestion.submitted_on, Suggestion.id))


def _add_suggestions(records: dict[int, DeputyRecord], period: Period) -> None:
    """The suggestions each deputy proposed that count as 上报 in the period, with the district's answer."""
    statement, parameters = _suggestions(period)
    rows = db.session.execute(statement, parameters | {"deputies": list(records)}).all()
    answers = latest_answers([suggestion.id for suggestion, _deputy in rows])
    for suggestion, deputy_id in rows:
        records[deputy_id].suggestions.append(SuggestionOutcome(suggestion, answers.get(suggestion.id)))


@functools.cache
def _answers() -> Select:
    return (select(SuggestionEvent)
            .where(SuggestionEvent.suggestion_id.in_(bindparam("suggestions", expanding=True)),
                   SuggestionEvent.to_state.in_(ANSWER_STATES))
            .order_by(SuggestionEvent.id))


def latest_answers(suggestion_ids: list[int]) -> dict[int, SuggestionEvent]:
    """Per suggestion, its latest step into adopted or not adopted: the district's answer, with its note."""
    answers: dict[int, SuggestionEvent] = {}
    if suggestion_ids:
        for event in db.session.scalars(_answers(), {"suggestions": list(set(suggestion_ids))}):
            answers[event.suggestion_id] = event
    return answers
