"""Who was a deputy on a day, and in which community: the one rule every figure counts deputies by.

A deputy counts on a day while one of their memberships covers it (deactivation, a move, a role change and a
new term end a membership on a date; nothing is deleted), in that membership's community. So a figure of a
period that has ended depends only on the memberships of its days, which later edits leave alone.

Which community each figure uses (see DOMAIN.md): attendance and evaluations by community — the deputy's
community on the meeting's (the evaluation's) day, through `member_at`/`member_on`/`community_on`; the deputy
lists of a period (the rates page, the committee's records, a campaign's deputies) — the deputies with a
membership in the community during the period, through `members_during`; 深入社区, opinions and suggestions
carry their own community and need nothing from here.

A record made for a deputy (an opinion, a suggestion, a matter, an evaluation, a meeting's roster, a campaign
record) is accepted when the deputy was a deputy on the record's own day (`require_deputy_on`), so last year's
ledgers can name deputies who have left since, and nobody is credited with a day they were not a deputy.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, or_, select

from .errors import ServiceError
from .extensions import db
from .models import Membership, Role, User
from .periods import Period

NOT_DEPUTY_ON_DAY = _l("This deputy was not a serving deputy on that day.")


def member_on(deputy_id, day, community_id: int | None = None) -> ColumnElement[bool]:
    """True where the deputy (a column) was a deputy on `day` (a date column or a date), in the community if given."""
    query = select(Membership.id).where(
        Membership.deputy_id == deputy_id, Membership.starts_on <= day,
        or_(Membership.ends_on.is_(None), Membership.ends_on >= day),
    )
    return _in(query, community_id).exists()


def was_deputy_on(user: User | None, day: date | None) -> bool:
    """Whether `user` was a deputy on `day`: a deputy's account, and one of their memberships covers the day."""
    if user is None or day is None or user.role is not Role.DEPUTY:
        return False
    return bool(db.session.scalar(select(member_on(user.id, day))))


def require_deputy_on(user: User, day: date, field: str) -> None:
    """Refuse a record for a deputy on a day they were not a deputy, at `field`."""
    if not was_deputy_on(user, day):
        raise ServiceError(str(NOT_DEPUTY_ON_DAY), field)


def member_at(deputy_id, moment, community_id: int | None = None) -> ColumnElement[bool]:
    """As `member_on` for a stored time (a meeting's start): the deputy was a deputy on its local day."""
    return _in(select(Membership.id).where(covers_at(deputy_id, moment)), community_id).exists()


def covers_at(deputy_id, moment) -> ColumnElement[bool]:
    """A `Membership` row is the deputy's (a column) on the local day of `moment` (a stored time): what `member_at`
    asks for; joined on it, the row gives the deputy's community then (stretches never overlap)."""
    return and_(
        Membership.deputy_id == deputy_id, Membership.starts_at <= moment,
        or_(Membership.ends_before.is_(None), Membership.ends_before > moment),
    )


def community_on(deputy_id, day):
    """The deputy's community on `day` (a date column), as a scalar subquery; NULL when not a deputy then."""
    return (
        select(Membership.community_id)
        .where(Membership.deputy_id == deputy_id, Membership.starts_on <= day,
               or_(Membership.ends_on.is_(None), Membership.ends_on >= day))
        .limit(1)
        .scalar_subquery()
    )


def members_during(period: Period) -> Select:
    """The ids of the deputies with a membership meeting the period (in its community), for `in_()`."""
    query = select(Membership.deputy_id)
    if period.end is not None:
        query = query.where(Membership.starts_on <= period.end)
    if period.start is not None:
        query = query.where(or_(Membership.ends_on.is_(None), Membership.ends_on >= period.start))
    return _in(query, period.community_id)


def members_on(day: date, community_id: int | None = None) -> Select:
    """The ids of the deputies on `day` (in the community): today's roster when `day` is today."""
    return members_during(Period(day, day, community_id))


def _in(query: Select, community_id: int | None) -> Select:
    return query.where(Membership.community_id == community_id) if community_id is not None else query
