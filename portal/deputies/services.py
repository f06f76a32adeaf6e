"""The figures of the home pages over the deputies of a day (who counts on a day is `portal.membership`)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..figures_cache import PEOPLE, cached_figure
from ..membership import members_on
from ..models import Community, DeputyProfile, Level, Membership


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
    rows = db.session.execute(
        select(DeputyProfile.level, func.count()).where(DeputyProfile.user_id.in_(members_on(day))).group_by(DeputyProfile.level)
    )
    by_level.update({level: n for level, n in rows})
    on_day = members_on(day).add_columns(Membership.community_id).subquery()
    by_community = db.session.execute(
        select(Community.name, func.count(on_day.c.deputy_id))
        .select_from(Community)
        .outerjoin(on_day, on_day.c.community_id == Community.id)
        .where(Community.active)
        .group_by(Community.id, Community.name)
        .order_by(Community.name)
    ).all()
    return DeputyFigures(sum(by_level.values()), by_level, [(name, n) for name, n in by_community])
