"""Queries over deputies: the filtered roster and the figures of the home pages."""
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Community, DeputyProfile, Level, User


@dataclass
class DeputyFigures:
    """Active deputies in total, per level and per community."""

    total: int
    by_level: dict[Level, int]
    by_community: list[tuple[str, int]]


def roster_query(q: str = "", community_id: int | None = None, level: Level | None = None) -> Select:
    """Active deputies matching the filters, by community then name."""
    query = (
        select(DeputyProfile)
        .join(DeputyProfile.user)
        .join(DeputyProfile.community)
        .options(contains_eager(DeputyProfile.user), contains_eager(DeputyProfile.community))
        .where(User.active)
        .order_by(Community.name, User.name)
    )
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.name.like(like), DeputyProfile.expertise.like(like)))
    if community_id:
        query = query.where(DeputyProfile.community_id == community_id)
    if level is not None:
        query = query.where(DeputyProfile.level == level)
    return query


def deputy_figures() -> DeputyFigures:
    """Counts of active deputies, from the data."""
    by_level = {level: 0 for level in Level}
    rows = db.session.execute(
        select(DeputyProfile.level, func.count()).join(DeputyProfile.user).where(User.active).group_by(DeputyProfile.level)
    )
    by_level.update({level: n for level, n in rows})
    by_community = db.session.execute(
        select(Community.name, func.count(User.id))
        .select_from(Community)
        .outerjoin(DeputyProfile, DeputyProfile.community_id == Community.id)
        .outerjoin(User, (User.id == DeputyProfile.user_id) & User.active)
        .where(Community.active)
        .group_by(Community.id, Community.name)
        .order_by(Community.name)
    ).all()
    return DeputyFigures(sum(by_level.values()), by_level, [(name, n) for name, n in by_community])
