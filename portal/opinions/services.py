"""Recording voter opinions. Services flush; callers commit."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ServiceError
from ..extensions import db
from ..models import Community, Role, User
from .models import DEFAULT_CATEGORIES, Category, CollectionMethod, Opinion

MAX_CONTENT = 1000


def ensure_default_categories() -> None:
    """Create the report's categories if missing (the migration does it in production; tests and demo call this)."""
    existing = set(db.session.scalars(select(Category.name)))
    for position, name in enumerate(DEFAULT_CATEGORIES):
        if name not in existing:
            db.session.add(Category(name=name, position=position))
    db.session.flush()


def active_categories() -> list[Category]:
    """The categories offered in choice lists, in their order."""
    return list(db.session.scalars(select(Category).where(Category.active).order_by(Category.position, Category.id)))


def record_opinion(
    actor: User,
    deputy: User,
    content: str,
    community: Community | None,
    category: Category | None,
    collected_on: date | None,
    method: CollectionMethod,
    voter_names: str = "",
    voter_count: int | None = None,
) -> Opinion:
    """Record an opinion `deputy` collected; staff recording it for a deputy is marked as on their behalf."""
    if deputy is None or deputy.role is not Role.DEPUTY or not deputy.active:
        raise ServiceError(_("Please choose an active deputy."), "deputy")
    if actor.id != deputy.id and not actor.has_role(Role.STAFF):
        raise ServiceError(_("A deputy records only their own opinions."), "deputy")
    content = (content or "").strip()
    if not content:
        raise ServiceError(_("Please write down the opinion."), "content")
    if len(content) > MAX_CONTENT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_CONTENT), "content")
    if community is None:
        raise ServiceError(_("Please choose the community."), "community")
    if category is None:
        raise ServiceError(_("Please choose the category."), "category")
    if collected_on is None:
        raise ServiceError(_("Please enter the date."), "collected_on")
    if collected_on > date.today():
        raise ServiceError(_("The date cannot be in the future."), "collected_on")
    if voter_count is not None and not 0 < voter_count <= 10000:
        raise ServiceError(_("The number of voters must be between 1 and 10000."), "voter_count")
    voter_names = (voter_names or "").strip()
    if len(voter_names) > 500:
        raise ServiceError(_("At most %(n)d characters.", n=500), "voter_names")
    opinion = Opinion(
        content=content,
        community=community,
        category=category,
        deputy_id=deputy.id,
        collected_on=collected_on,
        method=method,
        voter_names=voter_names,
        voter_count=voter_count,
        recorded_by_id=actor.id,
        on_behalf=actor.id != deputy.id,
    )
    db.session.add(opinion)
    db.session.flush()
    return opinion
