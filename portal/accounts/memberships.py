"""Memberships over time: a deputy joins, moves and leaves on a date, and nothing earlier changes. Flush, never commit."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import local_today
from ..errors import ServiceError
from ..extensions import db
from ..models import Community, Membership, Term, User

# A change may be entered ahead of time, up to a month (a notice of leaving, a move at the start of next month);
# further ahead it is more likely a typing error than a plan.
FUTURE_DAYS = 31


def check_effective(day: date | None, field: str = "effective_on") -> date:
    """The effective date of a change: required, and not more than FUTURE_DAYS after today."""
    if day is None:
        raise ServiceError(_("Please enter the date from which the change applies."), field)
    if day > local_today() + timedelta(days=FUTURE_DAYS):
        raise ServiceError(_("The date cannot be more than %(n)d days ahead.", n=FUTURE_DAYS), field)
    return day


def current_membership(user: User) -> Membership | None:
    """The deputy's membership that has not ended (or ends last), if any."""
    return db.session.scalar(
        select(Membership).where(Membership.deputy_id == user.id)
        .order_by(Membership.ends_on.is_(None).desc(), Membership.ends_on.desc(), Membership.starts_on.desc()).limit(1)
    )


def memberships_of(user_id: int) -> list[Membership]:
    """A deputy's memberships, earliest first, with their community and term."""
    return list(db.session.scalars(select(Membership).where(Membership.deputy_id == user_id).order_by(Membership.starts_on)))


def term_on(day: date) -> Term | None:
    """The term that `day` falls in, if terms are kept."""
    return db.session.scalar(select(Term).where(Term.starts_on <= day, Term.ends_on >= day).order_by(Term.starts_on.desc()).limit(1))


def open_membership(user: User, community: Community, starts_on: date, term: Term | None = None) -> Membership:
    """Make the user a deputy from `starts_on`, in `community`; refused while another membership covers that day."""
    last = current_membership(user)
    if last is not None and (last.ends_on is None or last.ends_on >= starts_on):
        raise ServiceError(_("%(name)s is already a deputy on that day.", name=user.name), "effective_on")
    membership = Membership(deputy_id=user.id, community_id=community.id, term=term or term_on(starts_on), starts_on=starts_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def end_membership(user: User, last_day: date) -> Membership | None:
    """End the deputy's open membership with `last_day` as its last counted day (nothing is deleted)."""
    membership = current_membership(user)
    if membership is None or (membership.ends_on is not None and membership.ends_on <= last_day):
        return membership
    if last_day == membership.starts_on - timedelta(days=1):  # ended before its first day: it never counted
        db.session.delete(membership)
        db.session.flush()
        return None
    if last_day < membership.starts_on:
        raise ServiceError(
            _("The date cannot be before %(day)s, when the current membership began.", day=membership.starts_on.isoformat()),
            "effective_on",
        )
    membership.ends_on = last_day
    db.session.flush()
    return membership


def move_deputy(user: User, community: Community, effective_on: date) -> Membership | None:
    """The deputy belongs to `community` from `effective_on`; their figures before it keep the old community."""
    membership = current_membership(user)
    if membership is None or membership.community_id == community.id:
        return membership
    if membership.ends_on is not None and membership.ends_on < effective_on:
        return membership  # not a deputy then: the profile's community alone changes
    if effective_on <= membership.starts_on:
        if effective_on < membership.starts_on:
            raise ServiceError(
                _("The date cannot be before %(day)s, when the current membership began.", day=membership.starts_on.isoformat()),
                "effective_on",
            )
        membership.community_id = community.id
        db.session.flush()
        return membership
    ends_on = membership.ends_on
    membership.ends_on = effective_on - timedelta(days=1)
    moved = Membership(deputy_id=user.id, community_id=community.id, term_id=membership.term_id, starts_on=effective_on, ends_on=ends_on)
    db.session.add(moved)
    db.session.flush()
    return moved
