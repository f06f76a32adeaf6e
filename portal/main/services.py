"""The status wall: the committee's figures for a period, and the meeting running now with its live tally."""
import hashlib
from dataclasses import astuple, dataclass

from sqlalchemy import select

from ..extensions import db
from ..meetings.models import Meeting
from ..meetings.rates import Tally, tally
from ..models import utcnow
from ..periods import Period
from ..reports.figures import CommitteeFigures, committee_figures


@dataclass
class WallFigures:
    """What the status wall shows: the period's figures, the meeting running now (if any) and its tally."""

    figures: CommitteeFigures
    meeting: Meeting | None
    tally: Tally | None

    @property
    def version(self) -> str:
        """A short fingerprint of everything shown: the wall's poll answers 204 while it stays the same."""
        f, t = self.figures, self.tally
        shown = (
            f.period, f.deputies_in_communities, f.opinions, f.submitted, f.adopted, f.matters_done,
            f.voter_meetings, astuple(f.attendance), f.ballots, f.satisfied,
            self.meeting and (self.meeting.id, self.meeting.title), t and astuple(t),
        )
        return hashlib.sha1(repr(shown).encode()).hexdigest()[:16]


def running_meeting() -> Meeting | None:
    """The meeting going on now (started, not over, not closed); the latest started if several."""
    now = utcnow()
    return db.session.scalar(
        select(Meeting).where(~Meeting.closed, Meeting.starts_at <= now, Meeting.ends_at >= now)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1)
    )


def wall_figures(period: Period) -> WallFigures:
    """The status wall's figures for the period, and the live tally of the meeting running now."""
    meeting = running_meeting()
    return WallFigures(committee_figures(period), meeting, tally(meeting) if meeting else None)
