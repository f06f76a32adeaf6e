"""The demo's duty points: the committee's rules (a first set, and this quarter's change) and last quarter published."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import User
from ..periods import last_quarter, quarter_of
from ..points.models import DutyKind, PointRule, Publication
from ..points.services import Weight, publish_quarter, save_rules
from .people import ADMIN

# Weights in the manner of a district's interim rules for duty points: halves, a negative, caps per quarter.
RULES = {
    DutyKind.CHECKLIST_VERIFIED: ("5", None), DutyKind.MEETING_PRESENT: ("2", None), DutyKind.MEETING_LATE: ("1", None),
    DutyKind.MEETING_LEFT_EARLY: ("1", None), DutyKind.MEETING_EXCUSED: ("0", None), DutyKind.MEETING_ABSENT: ("-2", None),
    DutyKind.VOTER_MEETING: ("3", None), DutyKind.OPINION: ("0.5", "10"), DutyKind.SUGGESTION_SUBMITTED: ("3", None),
    DutyKind.SUGGESTION_ADOPTED: ("5", None), DutyKind.MATTER_DONE: ("5", "20"), DutyKind.FEEDBACK: ("1", None),
    DutyKind.RATED_COMPETENT: ("10", None), DutyKind.RATED_BASIC: ("5", None), DutyKind.RATED_INCOMPETENT: ("0", None),
}
# From this quarter an opinion counts a whole point (and up to 15 a quarter).
CHANGED = {**RULES, DutyKind.OPINION: ("1", "15")}


def seed_points() -> None:
    """The rules from the start of last year, their change this quarter, and last quarter published (once each)."""
    admin = db.session.scalar(select(User).where(User.username == ADMIN[0]))
    if db.session.scalar(select(PointRule.id).limit(1)) is None:
        first = date(local_today().year - 1, 1, 1)
        save_rules(admin, first, {kind: Weight(Decimal(points), cap and Decimal(cap)) for kind, (points, cap) in RULES.items()})
        save_rules(admin, quarter_of(local_today()).start,
                   {kind: Weight(Decimal(points), cap and Decimal(cap)) for kind, (points, cap) in CHANGED.items()})
    quarter = last_quarter()
    if db.session.scalar(select(Publication.id).where(Publication.starts_on == quarter.start)) is None:
        publish_quarter(admin, quarter.start)
