"""The voter-meeting log: the voters present, the answers fed back to them, and the opinions raised at the meeting."""
from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import to_local
from ..errors import ServiceError
from ..extensions import db
from ..models import Community, User
from ..opinions.models import Category, CollectionMethod, Opinion
from ..opinions.services import record_opinion
from .models import Meeting, MeetingRoster

VISIT_KIND_MARK = "走访"  # a voter-log kind whose name says 走访 files its opinions as collected on a visit


def save_voter_log(meeting: Meeting, voter_count: int | None, answers: str) -> Meeting:
    """The voters present and the answers fed back to them (voter meetings and visits only)."""
    if not meeting.kind.voter_log:
        raise ServiceError(_("This kind of meeting keeps no voter log."))
    if voter_count is not None and not 0 <= voter_count <= 10000:
        raise ServiceError(_("The number of voters must be between 0 and 10000."), "voter_count")
    answers = (answers or "").strip()
    if len(answers) > 5000:
        raise ServiceError(_("At most %(n)d characters.", n=5000), "answers")
    meeting.voter_count, meeting.answers = voter_count, answers
    db.session.flush()
    return meeting


def add_meeting_opinion(actor: User, meeting: Meeting, deputy: User | None, content: str,
                        category: Category | None, community: Community | None = None) -> Opinion:
    """An opinion voters raised at the meeting, taken by a rostered deputy, linked to the meeting."""
    if not meeting.kind.voter_log:
        raise ServiceError(_("This kind of meeting keeps no voter log."))
    if deputy is None or not MeetingRoster.includes(meeting.id, deputy.id):
        raise ServiceError(_("Please choose a deputy on the meeting's roster."), "deputy")
    method = CollectionMethod.VISIT if VISIT_KIND_MARK in meeting.kind.name else CollectionMethod.MEETING
    community = community or meeting.community or (deputy.deputy.community if deputy.deputy else None)
    collected_on = to_local(meeting.starts_at).date()
    opinion = record_opinion(actor, deputy, content, community, category, collected_on, method)
    opinion.meeting_id = meeting.id
    db.session.flush()
    return opinion


def meeting_opinions(meeting: Meeting) -> list[Opinion]:
    """The opinions raised at the meeting, in the order they were recorded."""
    return list(db.session.scalars(select(Opinion).where(Opinion.meeting_id == meeting.id).order_by(Opinion.id)))
