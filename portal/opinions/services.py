"""Recording voter opinions. Services flush; callers commit."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..errors import ServiceError
from ..extensions import db
from ..membership import require_deputy_on
from ..models import Community, Role, User
from ..periods import Period
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
    number: str | None = None,
) -> Opinion:
    """Record an opinion `deputy` collected; staff recording it for a deputy is marked as on their behalf.

    `number` is an imported record's own number (编号); a new record takes the next one.
    """
    if deputy is None or deputy.role is not Role.DEPUTY:
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
    if collected_on > local_today():
        raise ServiceError(_("The date cannot be in the future."), "collected_on")
    require_deputy_on(deputy, collected_on, "deputy")
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
    if number:
        opinion.number = number
    db.session.add(opinion)
    db.session.flush()
    return opinion


def opinions_query(q: str = "", category_id: int | None = None, deputy_id: int | None = None, state: str = "",
                   period: Period = Period()) -> Select:
    """Opinions matching the list's filters, newest first.

    `q` matches a substring of the content (LIKE works for Chinese on SQLite and PostgreSQL alike);
    `state` is "unsorted", "gathered", or a suggestion state (gathered in a suggestion in that state);
    `period` bounds the collection date and the community.
    """
    query = (
        select(Opinion)
        .options(*(joinedload(link) for link in (Opinion.community, Opinion.category, Opinion.deputy,
                                                  Opinion.recorded_by, Opinion.suggestion)))
        .order_by(Opinion.collected_on.desc(), Opinion.id.desc())
    )
    if q:
        query = query.where(Opinion.content.like(f"%{q}%"))
    query = period.filter(query, Opinion.collected_on, Opinion.community_id)
    if category_id:
        query = query.where(Opinion.category_id == category_id)
    if deputy_id:
        query = query.where(Opinion.deputy_id == deputy_id)
    if state == "unsorted":
        query = query.where(Opinion.suggestion_id.is_(None))
    elif state == "gathered":
        query = query.where(Opinion.suggestion_id.is_not(None))
    elif state in _suggestion_states():
        query = query.where(Opinion.suggestion.has(state=state))
    return query


def _suggestion_states() -> list[str]:
    """The states a gathering suggestion can be in, as its mapped column knows them: the suggestions area
    builds on this one, so this one reaches it through the relationship, never by import."""
    return Opinion.suggestion.property.mapper.columns["state"].type.enums


def all_categories() -> list[Category]:
    """Every category, retired ones last, for the admin's list."""
    return list(db.session.scalars(select(Category).order_by(Category.active.desc(), Category.position, Category.id)))


def _check_category_name(name: str, category: Category | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Please enter the name."), "name")
    if len(name) > 32:
        raise ServiceError(_("At most %(n)d characters.", n=32), "name")
    clash = db.session.scalar(select(Category).where(Category.name == name))
    if clash is not None and clash is not category:
        raise ServiceError(_("The category %(name)s already exists.", name=name), "name")
    return name


def create_category(name: str) -> Category:
    """A new category, placed last."""
    name = _check_category_name(name)
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(name=name, position=last + 1, active=True)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(category: Category, name: str, position: int, active: bool) -> Category:
    """Rename, move or retire a category; a retired one stays on the opinions it already sorts."""
    category.name = _check_category_name(name, category)
    if position is None or not 0 <= position <= 999:
        raise ServiceError(_("The position must be between 0 and 999."), "position")
    category.position = position
    category.active = active
    db.session.flush()
    return category

