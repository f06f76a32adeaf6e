"""Voter evaluations for every deputy for the current year, with a realistic spread of ratings."""

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import Role, User
from ..evaluations.models import Evaluation
from ..evaluations.services import record_evaluation, thresholds, year_period

# Share satisfied, basically satisfied (per cent of ballots), cycled over the deputies:
# most are rated 称职, a few 基本称职, one 不称职.
SPREAD = [(92, 6), (86, 10), (81, 15), (95, 5), (88, 9), (74, 20), (90, 8), (83, 12), (66, 24), (97, 3),
          (85, 11), (79, 17), (93, 6), (87, 10), (45, 35)]


def seed_evaluations() -> None:
    """This year's ballots for every deputy not yet evaluated this year, and the rating thresholds as a saved row."""
    db.session.add(thresholds())  # the defaults, kept as the row the admin edits
    staff = db.session.scalar(select(User).where(User.username == "staff1"))
    starts_on, ends_on = year_period(local_today().year)
    done = set(db.session.scalars(select(Evaluation.deputy_id).where(Evaluation.starts_on == starts_on, Evaluation.ends_on == ends_on)))
    deputies = db.session.scalars(select(User).where(User.role == Role.DEPUTY, User.active).order_by(User.id)).all()
    for i, deputy in enumerate(deputies):
        if deputy.id in done:
            continue
        ballots = 40 + (i * 7) % 25
        satisfied_pct, basic_pct = SPREAD[i % len(SPREAD)]
        satisfied = round(ballots * satisfied_pct / 100)
        basic = min(round(ballots * basic_pct / 100), ballots - satisfied)
        record_evaluation(staff, deputy, starts_on, ends_on, satisfied, basic, ballots - satisfied - basic)
