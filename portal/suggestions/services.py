"""Suggestions: writing drafts, gathering opinions, and moving along the workflow. Services flush; callers commit."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from ..clock import local_today
from ..errors import ServiceError
from ..extensions import db
from ..membership import require_deputy_on
from ..models import Community, Role, User, utcnow
from ..opinions.models import Category, Opinion
from ..permissions import can_edit_suggestion, can_transition
from .answers import overdue_condition
from .models import (
    TRANSITIONS,
    Suggestion,
    SuggestionEvent,
    SuggestionState,
    suggestion_deputies,
)

MAX_TITLE = 200
MAX_CONTENT = 5000
MAX_NOTE = 2000


@dataclass
class SuggestionFields:
    """What a suggestion's form gives."""

    title: str
    content: str
    category: Category | None
    deputies: list[User]
    community: Community | None = None


def _check_fields(actor: User, fields: SuggestionFields, on: date | None = None) -> SuggestionFields:
    title = (fields.title or "").strip()
    content = (fields.content or "").strip()
    if not title:
        raise ServiceError(_("Please enter a title."), "title")
    if len(title) > MAX_TITLE:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TITLE), "title")
    if not content:
        raise ServiceError(_("Please write the suggestion."), "content")
    if len(content) > MAX_CONTENT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_CONTENT), "content")
    if fields.category is None:
        raise ServiceError(_("Please choose the category."), "category")
    deputies = list({d.id: d for d in fields.deputies if d is not None}.values())
    if actor.role is Role.DEPUTY and all(d.id != actor.id for d in deputies):
        deputies.insert(0, actor)  # a deputy's suggestion is always their own
    if not deputies:
        raise ServiceError(_("Please choose at least one proposing deputy."), "deputies")
    if any(d.role is not Role.DEPUTY for d in deputies):
        raise ServiceError(_("Please choose an active deputy."), "deputies")
    for deputy in deputies:
        require_deputy_on(deputy, on or local_today(), "deputies")
    return SuggestionFields(title, content, fields.category, deputies, fields.community)


def create_suggestion(actor: User, fields: SuggestionFields, opinion_ids: list[int] = (), number: str | None = None,
                      on: date | None = None) -> Suggestion:
    """A new draft (草稿) by a deputy for themselves or by staff, gathering `opinion_ids`; all or nothing.

    `number` is an imported record's own number (编号); a new record takes the next one. `on` is the day a
    back-entered suggestion was submitted (default today): its proposers were deputies on that day.
    """
    if not actor.has_role(Role.STAFF, Role.DEPUTY):
        raise ServiceError(_("You may not write suggestions."))
    fields = _check_fields(actor, fields, on)
    suggestion = Suggestion(
        title=fields.title,
        content=fields.content,
        category=fields.category,
        community=fields.community,
        state=SuggestionState.DRAFT,
        created_by_id=actor.id,
        deputies=fields.deputies,
    )
    if number:
        suggestion.number = number
    db.session.add(suggestion)
    db.session.flush()
    db.session.add(SuggestionEvent(suggestion=suggestion, actor_id=actor.id, from_state=None, to_state=SuggestionState.DRAFT,
                                   happened_on=local_today()))
    if opinion_ids:
        gather(actor, suggestion, opinion_ids)
    db.session.flush()
    return suggestion


def update_suggestion(actor: User, suggestion: Suggestion, fields: SuggestionFields) -> Suggestion:
    """Change a draft's text, category, community and proposers."""
    if not can_edit_suggestion(actor, suggestion):
        raise ServiceError(_("Only a draft can be changed, by its proposers or the office."))
    fields = _check_fields(actor, fields)
    if actor.role is Role.DEPUTY and all(d.id != actor.id for d in fields.deputies):
        raise ServiceError(_("You cannot remove yourself from your own suggestion."), "deputies")
    suggestion.title, suggestion.content = fields.title, fields.content
    suggestion.category, suggestion.community = fields.category, fields.community
    suggestion.deputies = fields.deputies
    db.session.flush()
    return suggestion


def gather(actor: User, suggestion: Suggestion, opinion_ids: list[int]) -> list[Opinion]:
    """Gather opinions into a draft; one already in another suggestion is refused, naming that suggestion.

    Each opinion is claimed with UPDATE ... WHERE suggestion_id IS NULL, so two people gathering the
    same opinion at once cannot both succeed. On a refusal the caller rolls back the whole request.
    """
    if not can_edit_suggestion(actor, suggestion):
        raise ServiceError(_("Only a draft can be changed, by its proposers or the office."))
    gathered = []
    for opinion_id in dict.fromkeys(opinion_ids):
        claimed = db.session.execute(
            update(Opinion)
            .where(Opinion.id == opinion_id, Opinion.suggestion_id.is_(None))
            .values(suggestion_id=suggestion.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        opinion = db.session.get(Opinion, opinion_id, populate_existing=True)
        if opinion is None:
            raise ServiceError(_("That opinion does not exist."), "opinions")
        if not claimed and opinion.suggestion_id != suggestion.id:
            raise ServiceError(
                _("The opinion “%(opinion)s” is already gathered in the suggestion “%(title)s”.",
                  opinion=_shorten(opinion.content), title=opinion.suggestion.title),
                "opinions",
            )
        gathered.append(opinion)
    if suggestion.community_id is None and gathered:
        suggestion.community_id = gathered[0].community_id
    db.session.flush()
    db.session.expire(suggestion, ["opinions"])
    return gathered


def release(actor: User, suggestion: Suggestion, opinion_id: int) -> None:
    """Take an opinion out of a draft again, so it can be sorted elsewhere."""
    if not can_edit_suggestion(actor, suggestion):
        raise ServiceError(_("Only a draft can be changed, by its proposers or the office."))
    db.session.execute(
        update(Opinion)
        .where(Opinion.id == opinion_id, Opinion.suggestion_id == suggestion.id)
        .values(suggestion_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire(suggestion, ["opinions"])


def transition(actor: User, suggestion: Suggestion, to_state: SuggestionState, expected: SuggestionState, note: str = "",
               on: date | None = None) -> SuggestionEvent:
    """Move a suggestion from `expected` to `to_state` if the table allows it for `actor`, recording the step.

    Optimistic concurrency: the UPDATE only matches while the state is still `expected`, so when two
    people act on the same suggestion at once, the second is refused instead of moving it twice.
    `on` is the day the step happened outside the portal (default today): not in the future, not
    before the previous step. Submission and answer dates are what the figures count by.
    """
    today = local_today()
    on = on or today
    if on > today:
        raise ServiceError(_("The date cannot be in the future."), "on")
    previous = db.session.scalar(
        select(func.max(SuggestionEvent.happened_on))
        .where(SuggestionEvent.suggestion_id == suggestion.id, SuggestionEvent.from_state.is_not(None))
    )
    if previous is not None and on < previous:
        raise ServiceError(
            _("The date cannot be before the previous step (%(date)s).", date=format_date(previous, "medium")), "on"
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_NOTE), "note")
    if suggestion.state is not expected:
        raise ServiceError(_changed_meanwhile(suggestion.state))
    if (expected, to_state) not in TRANSITIONS:
        raise ServiceError(_("A suggestion that is “%(state)s” cannot become “%(to)s”.", state=expected.label, to=to_state.label))
    if not can_transition(actor, suggestion, to_state):
        raise ServiceError(_("You may not do this step."))
    if to_state is SuggestionState.SUBMITTED:
        for deputy in suggestion.deputies:  # the submission is the suggestion's own day
            require_deputy_on(deputy, on, "on")
    values = {"state": to_state}
    if to_state is SuggestionState.SUBMITTED:
        values["submitted_on"] = on
        values["answer_due_on"] = default_due_date(on)
    elif to_state in (SuggestionState.ADOPTED, SuggestionState.NOT_ADOPTED):
        values["answered_on"] = on
    changed = db.session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.state == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.refresh(suggestion)
        raise ServiceError(_changed_meanwhile(suggestion.state))
    event = SuggestionEvent(suggestion_id=suggestion.id, actor_id=actor.id, at=utcnow(), from_state=expected, to_state=to_state,
                            note=note, happened_on=on)
    db.session.add(event)
    db.session.flush()
    db.session.refresh(suggestion)
    return event


def default_due_date(submitted_on: date) -> date:
    """When the district's answer is due by default: ANSWER_DUE_DAYS after the submission."""
    return submitted_on + timedelta(days=current_app.config["ANSWER_DUE_DAYS"])


def _changed_meanwhile(state: SuggestionState) -> str:
    return _("Someone changed this suggestion meanwhile; it is now “%(state)s”. Please look again.", state=state.label)


def _shorten(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[:n] + "…"


def allowed_next_states(user, suggestion: Suggestion) -> list[SuggestionState]:
    """The states `user` may move `suggestion` to now, in the table's order (what the page offers)."""
    return [to for (frm, to) in TRANSITIONS if frm is suggestion.state and can_transition(user, suggestion, to)]


def suggestions_query(q: str = "", state: SuggestionState | None = None, category_id: int | None = None,
                      deputy_id: int | None = None, community_id: int | None = None, listed: bool = False,
                      overdue_on: date | None = None) -> Select:
    """Suggestions matching the filters, newest first; `listed` loads what the list shows with them.

    With `overdue_on`, only those whose answer was overdue on that day, the longest overdue first.
    """
    if overdue_on is None:
        query = select(Suggestion).order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
    else:
        query = select(Suggestion).where(*overdue_condition(overdue_on)).order_by(Suggestion.answer_due_on, Suggestion.id)
    if listed:  # the category, the proposers' names and the opinions counted: two more queries per page
        query = query.options(joinedload(Suggestion.category), selectinload(Suggestion.deputies),
                              selectinload(Suggestion.opinions).load_only(Opinion.id, Opinion.suggestion_id))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Suggestion.title.like(like), Suggestion.content.like(like)))
    if state is not None:
        query = query.where(Suggestion.state == state)
    if category_id:
        query = query.where(Suggestion.category_id == category_id)
    if community_id:
        query = query.where(Suggestion.community_id == community_id)
    if deputy_id:
        query = query.where(
            exists().where(suggestion_deputies.c.suggestion_id == Suggestion.id, suggestion_deputies.c.deputy_id == deputy_id)
        )
    return query


def suggestions_of(deputy_id: int) -> list[Suggestion]:
    """The suggestions a deputy proposed (what their 四个一 item 4 may link to), newest first."""
    return list(db.session.scalars(suggestions_query(deputy_id=deputy_id)))


def unsorted_opinions(q: str = "", limit: int = 50) -> list[Opinion]:
    """Opinions not yet in any suggestion, newest first (offered for gathering), with their deputy and community."""
    query = (
        select(Opinion)
        .options(joinedload(Opinion.deputy), joinedload(Opinion.community))
        .where(Opinion.suggestion_id.is_(None))
        .order_by(Opinion.collected_on.desc(), Opinion.id.desc())
    )
    if q:
        query = query.where(Opinion.content.like(f"%{q}%"))
    return list(db.session.scalars(query.limit(limit)))


def state_counts() -> dict[SuggestionState, int]:
    """How many suggestions are in each state."""
    counts = {state: 0 for state in SuggestionState}
    counts.update(dict(db.session.execute(select(Suggestion.state, func.count()).group_by(Suggestion.state)).all()))
    return counts
