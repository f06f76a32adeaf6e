"""The figures of the home pages over the deputies of a day (who counts on a day is `portal.membership`)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from ..extensions import db
from ..figures_cache import PEOPLE, cached_figure
from ..membership import members_during
from ..models import Community, DeputyProfile, Level, Membership
from ..periods import Period, period_statement


@dataclass
class DeputyFigures:
    """Deputies in total, per level and per community."""

    total: int
    by_level: dict[Level, int]
    by_community: list[tuple[str, int]]


@cached_figure(PEOPLE)
def deputy_figures(day: date) -> DeputyFigures:
    """Counts of the deputies on `day` (today on the overview), each in their community of that day, from the data."""
    by_level = {level: 0 for level in Level}
    on_day = Period(day, day)
    by_level.update({level: n for level, n in db.session.execute(*_by_level(on_day))})
    by_community = db.session.execute(*_by_community(on_day)).all()
    return DeputyFigures(sum(by_level.values()), by_level, [(name, n) for name, n in by_community])


@period_statement
def _by_level(on_day: Period) -> Select:
    return select(DeputyProfile.level, func.count()).where(DeputyProfile.user_id.in_(members_during(on_day))).group_by(DeputyProfile.level)


@period_statement
def _by_community(on_day: Period) -> Select:
    members = members_during(on_day).add_columns(Membership.community_id).subquery()
    return (
        select(Community.name, func.count(members.c.deputy_id))
        .select_from(Community)
        .outerjoin(members, members.c.community_id == Community.id)
        .where(Community.active)
        .group_by(Community.id, Community.name)
        .order_by(Community.name)
    )
