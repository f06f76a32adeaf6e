"""The figures of the home pages over the active deputies (the roster is `accounts.services.deputies_query`)."""
from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.services import deputy_ids_query
from ..extensions import db
from ..figures_cache import PEOPLE, cached_figure
from ..models import Community, DeputyProfile, Level


@dataclass
class DeputyFigures:
    """Active deputies in total, per level and per community."""

    total: int
    by_level: dict[Level, int]
    by_community: list[tuple[str, int]]


@cached_figure(PEOPLE)
def deputy_figures() -> DeputyFigures:
    """Counts of active deputies, from the data."""
    by_level = {level: 0 for level in Level}
    rows = db.session.execute(
        select(DeputyProfile.level, func.count()).where(DeputyProfile.user_id.in_(deputy_ids_query())).group_by(DeputyProfile.level)
    )
    by_level.update({level: n for level, n in rows})
    by_community = db.session.execute(
        select(Community.name, func.count(DeputyProfile.user_id))
        .select_from(Community)
        .outerjoin(DeputyProfile, (DeputyProfile.community_id == Community.id)
                   & DeputyProfile.user_id.in_(deputy_ids_query()))
        .where(Community.active)
        .group_by(Community.id, Community.name)
        .order_by(Community.name)
    ).all()
    return DeputyFigures(sum(by_level.values()), by_level, [(name, n) for name, n in by_community])
