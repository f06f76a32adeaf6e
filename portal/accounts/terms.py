"""Terms (届) and the change of term (换届): the new roster continues or replaces the old one. Flush, never commit."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..auth.services import end_sessions
from ..errors import ServiceError
from ..extensions import db
from ..models import Community, Membership, Term, User
from ..periods import check_dates
from .importing import ImportResult, import_deputies


@dataclass
class TermRow:
    """A term with how many deputies belonged to it."""

    term: Term
    deputies: int


@dataclass
class NewTerm:
    """What starting a term did: the term, the import's outcome, and the deputies not re-elected."""

    term: Term | None
    imported: ImportResult
    left: list[User]


def terms() -> list[TermRow]:
    """Every term, latest first, with its number of deputies."""
    counts = dict(db.session.execute(
        select(Membership.term_id, func.count(Membership.deputy_id.distinct())).group_by(Membership.term_id)
    ).all())
    return [TermRow(term, counts.get(term.id, 0))
            for term in db.session.scalars(select(Term).order_by(Term.starts_on.desc()))]


def term_members(term: Term) -> list[Membership]:
    """The memberships of a term, by community then name, with their deputy and community."""
    return list(db.session.scalars(
        select(Membership).join(Membership.deputy).join(Membership.community)
        .options(contains_eager(Membership.deputy), contains_eager(Membership.community))
        .where(Membership.term_id == term.id).order_by(Community.name, User.name, Membership.starts_on)
    ))


def start_term(name: str, starts_on: date | None, ends_on: date | None, rows: list[tuple[int, dict[str, str]]]) -> NewTerm:
    """Start a new term with its roster (the deputy import's rows): all of it or nothing.

    Every membership running on the first day ends the day before, the last day of the old term (which ends
    then too), and one entered ahead to begin on or after it (a move, a joining) gives way to the roster; a row
    naming an existing deputy re-elects them, a new one creates the deputy; a deputy not in the roster stays
    ended and their account is deactivated. No account and no day before the new term is deleted.
    """
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ServiceError(_("Please enter a name of at most 64 characters."), "name")
    if db.session.scalar(select(Term.id).where(Term.name == name)) is not None:
        raise ServiceError(_("A term named “%(name)s” already exists.", name=name), "name")
    check_dates(starts_on, ends_on)
    previous = db.session.scalar(select(Term).order_by(Term.starts_on.desc()).limit(1))
    if previous is not None and starts_on <= previous.starts_on:
        raise ServiceError(
            _("A new term starts after the last one (%(name)s, from %(day)s).", name=previous.name, day=previous.starts_on.isoformat()),
            "starts_on",
        )
    savepoint = db.session.begin_nested()
    last_day = starts_on - timedelta(days=1)
    if previous is not None and previous.ends_on > last_day:
        previous.ends_on = last_day
    running = list(db.session.scalars(
        select(Membership).where(or_(Membership.ends_on.is_(None), Membership.ends_on >= starts_on))
    ))
    members = {membership.deputy_id: membership.deputy for membership in running}
    for membership in running:
        if membership.starts_on < starts_on:
            membership.ends_on = last_day
        else:  # a move or a joining entered ahead, for days the new roster now decides
            db.session.delete(membership)
    db.session.flush()
    term = Term(name=name, starts_on=starts_on, ends_on=ends_on)
    db.session.add(term)
    db.session.flush()
    imported = import_deputies(rows, term=term)
    if imported.errors:
        savepoint.rollback()
        return NewTerm(None, imported, [])
    kept = {user.id for user in imported.continued}
    left = []
    for user in members.values():
        if user.id not in kept and user.active:
            user.active = False
            end_sessions(user)
            left.append(user)
    savepoint.commit()
    db.session.flush()
    return NewTerm(term, imported, left)
