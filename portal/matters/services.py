"""Practical matters (实事): recording and listing them. Services flush; callers commit."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload, selectinload

from ..clock import local_today
from ..errors import ServiceError
from ..extensions import db
from ..membership import require_deputy_on
from ..models import Community, Role, User
from ..periods import Period
from ..opinions.models import Opinion
from ..permissions import can_edit_matter
from ..suggestions.models import Suggestion
from .models import MatterState, PracticalMatter, practical_matter_deputies


@dataclass
class MatterFields:
    """What the practical matter form gives."""

    title: str
    location: str
    community: Community | None
    deputies: list[User]
    done_on: date | None
    state: MatterState
    beneficiaries: int | None = None
    description: str = ""
    opinion: Opinion | None = None
    suggestion: Suggestion | None = None
    started_on: date | None = None


def _apply(actor: User, matter: PracticalMatter, fields: MatterFields) -> PracticalMatter:
    title = (fields.title or "").strip()
    if not title:
        raise ServiceError(_("Please enter a title."), "title")
    if len(title) > 200:
        raise ServiceError(_("At most %(n)d characters.", n=200), "title")
    location = (fields.location or "").strip()
    if len(location) > 200:
        raise ServiceError(_("At most %(n)d characters.", n=200), "location")
    if fields.community is None:
        raise ServiceError(_("Please choose the community."), "community")
    deputies = list({d.id: d for d in fields.deputies if d is not None}.values())
    if actor.role is Role.DEPUTY and all(d.id != actor.id for d in deputies):
        deputies.insert(0, actor)  # a deputy records what they themselves took part in
    if not deputies:
        raise ServiceError(_("Please choose at least one deputy."), "deputies")
    if any(d.role is not Role.DEPUTY for d in deputies):
        raise ServiceError(_("Please choose an active deputy."), "deputies")
    if fields.done_on is None:
        raise ServiceError(_("Please enter the date."), "done_on")
    for deputy in deputies:
        require_deputy_on(deputy, fields.done_on, "deputies")
    if fields.state is MatterState.DONE and fields.done_on > local_today():
        raise ServiceError(_("A matter that is done cannot have a future date."), "done_on")
    started_on = fields.started_on if fields.state is not MatterState.PLANNED else None
    if started_on is not None and started_on > local_today():
        raise ServiceError(_("The date cannot be in the future."), "started_on")
    if started_on is not None and fields.state is MatterState.DONE and fields.done_on < started_on:
        raise ServiceError(_("The completion cannot be before the start."), "done_on")
    if fields.beneficiaries is not None and not 0 < fields.beneficiaries <= 1_000_000:
        raise ServiceError(_("The number of residents must be between 1 and 1000000."), "beneficiaries")
    description = (fields.description or "").strip()
    if len(description) > 5000:
        raise ServiceError(_("At most %(n)d characters.", n=5000), "description")
    matter.title, matter.location, matter.community = title, location, fields.community
    matter.deputies = deputies
    matter.done_on, matter.state, matter.beneficiaries = fields.done_on, fields.state, fields.beneficiaries
    matter.started_on = started_on
    matter.description, matter.opinion, matter.suggestion = description, fields.opinion, fields.suggestion
    return matter


def create_matter(actor: User, fields: MatterFields, number: str | None = None) -> PracticalMatter:
    """Record a practical matter; a deputy is always among its deputies.

    `number` is an imported record's own number (编号); a new record takes the next one.
    """
    if not actor.has_role(Role.STAFF, Role.DEPUTY):
        raise ServiceError(_("You may not record practical matters."))
    matter = _apply(actor, PracticalMatter(recorded_by_id=actor.id), fields)  # added only once valid
    if number:
        matter.number = number
    db.session.add(matter)
    db.session.flush()
    return matter


def update_matter(actor: User, matter: PracticalMatter, fields: MatterFields) -> PracticalMatter:
    """Change a practical matter (its state as it progresses, the residents it served ...)."""
    if not can_edit_matter(actor, matter):
        raise ServiceError(_("You may not change this practical matter."))
    _apply(actor, matter, fields)
    db.session.flush()
    return matter


def matters_query(state: MatterState | None = None, deputy_id: int | None = None, period: Period = Period()) -> Select:
    """Practical matters matching the filters (the period bounds their date and community), newest first, each
    with its community and deputies (what the list, the export and the 四个一 links show) in two statements."""
    query = (
        select(PracticalMatter)
        .options(joinedload(PracticalMatter.community), selectinload(PracticalMatter.deputies))
        .order_by(PracticalMatter.done_on.desc(), PracticalMatter.id.desc())
    )
    query = period.filter(query, PracticalMatter.done_on, PracticalMatter.community_id)
    if state is not None:
        query = query.where(PracticalMatter.state == state)
    if deputy_id:
        query = query.where(
            exists().where(practical_matter_deputies.c.matter_id == PracticalMatter.id, practical_matter_deputies.c.deputy_id == deputy_id)
        )
    return query


def practical_matters_of(deputy_id: int) -> list[PracticalMatter]:
    """The practical matters a deputy took part in (what their 四个一 item 3 may link to), newest first."""
    return list(db.session.scalars(matters_query(deputy_id=deputy_id)))
