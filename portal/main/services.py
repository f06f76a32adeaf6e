"""The deputy's home in the order of what needs them; the status wall: the committee's figures and the meetings running now."""
import hashlib
from dataclasses import astuple, dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..campaigns.models import DONE_STATES, Campaign, ChecklistItem, ChecklistRecord, RecordState
from ..meetings.models import Meeting
from ..meetings.notices import Notice
from ..meetings.counting import Tally
from ..meetings.rates import tallies
from ..models import utcnow
from ..periods import Period
from ..reports.figures import CommitteeFigures, committee_figures
from ..suggestions.models import Suggestion


@dataclass
class DeputyAgenda:
    """A deputy's home, sorted: what needs them now first, then the next meeting, then what is done."""

    replies_owed: list[Notice] = field(default_factory=list)
    carry_back: list[Suggestion] = field(default_factory=list)
    sent_back: list[ChecklistItem] = field(default_factory=list)
    not_done: list[ChecklistItem] = field(default_factory=list)
    next_meetings: list[Notice] = field(default_factory=list)
    started: list[Notice] = field(default_factory=list)
    done: list[ChecklistItem] = field(default_factory=list)

    @property
    def needs_count(self) -> int:
        """How many things wait for the deputy."""
        return len(self.replies_owed) + len(self.carry_back) + len(self.sent_back) + len(self.not_done)


def deputy_agenda(campaign: Campaign | None, records: dict[int, ChecklistRecord], notices: list[Notice],
                  carry_back: list[Suggestion]) -> DeputyAgenda:
    """Sort what the deputy home shows: answers owed, records sent back, items not done, the next meetings;
    meetings already started and items done are kept apart so the page can fold them."""
    agenda = DeputyAgenda(carry_back=list(carry_back))
    for notice in notices:
        if not notice.open_for_reply:
            agenda.started.append(notice)
        elif notice.place.reply is None:
            agenda.replies_owed.append(notice)
        else:
            agenda.next_meetings.append(notice)
    for item in campaign.items if campaign is not None else []:
        record = records.get(item.id)
        if record is None:
            if not item.retired:
                agenda.not_done.append(item)
        elif record.state is RecordState.RETURNED and not item.retired:
            agenda.sent_back.append(item)
        elif record.state in DONE_STATES or item.retired:
            agenda.done.append(item)
    return agenda


# Three meeting rows and the period's two keep every label readable from the back of the room;
# meetings beyond them are counted on the wall, not shown.
WALL_MEETINGS = 3


@dataclass
class RunningMeeting:
    """A meeting going on now and its live tally."""

    meeting: Meeting
    tally: Tally


@dataclass
class WallFigures:
    """What the status wall shows: the period's figures and every meeting running now (up to WALL_MEETINGS)."""

    figures: CommitteeFigures
    meetings: list[RunningMeeting]
    left_off: int = 0

    @property
    def version(self) -> str:
        """A short fingerprint of everything shown: the wall's poll answers 204 while it stays the same."""
        f = self.figures
        shown = (
            f.period, f.deputies_in_communities, f.opinions, f.submitted, f.adopted, f.matters_done,
            f.voter_meetings, astuple(f.attendance), f.ballots, f.satisfied, self.left_off,
            [(r.meeting.id, r.meeting.title, r.meeting.place, astuple(r.tally)) for r in self.meetings],
        )
        return hashlib.sha1(repr(shown).encode()).hexdigest()[:16]


def running_meetings() -> list[Meeting]:
    """The meetings going on now (started, not over, not closed), the longest running first."""
    now = utcnow()
    return list(db.session.scalars(
        select(Meeting).where(~Meeting.closed, Meeting.starts_at <= now, Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id)
    ))


def wall_figures(period: Period) -> WallFigures:
    """The status wall's figures for the period, and the live tallies of the meetings running now (one query for all)."""
    running = running_meetings()
    shown = running[:WALL_MEETINGS]
    counts = tallies([m.id for m in shown])
    return WallFigures(committee_figures(period), [RunningMeeting(m, counts[m.id]) for m in shown], len(running) - len(shown))
