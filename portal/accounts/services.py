"""Create and change users, deputy profiles and communities. Services flush; callers commit."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from ..auth.services import check_password_rules, end_sessions, hash_password, normalize_username
from ..clock import local_today
from ..errors import ServiceError
from ..extensions import db
from ..figures_cache import PEOPLE, cached_figure
from ..membership import members_during
from ..models import Community, DeputyProfile, Level, Role, Term, User
from ..periods import Period
from .memberships import check_effective, end_membership, move_deputy, open_membership

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
PHONE_RE = re.compile(r"^[0-9+\- ]{0,32}$")


@dataclass
class DeputyFields:
    """What a deputy profile holds beyond the user."""

    level: Level
    community: Community
    expertise: str = ""
    phone: str = ""


def check_username(username: str, exclude_id: int | None = None) -> str:
    """The normalized username, refusing a malformed or taken one."""
    username = normalize_username(username)
    if not USERNAME_RE.match(username):
        raise ServiceError(
            _("A username has 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'."), "username"
        )
    query = select(User.id).where(User.username == username)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_("The username “%(name)s” is already taken.", name=username), "username")
    return username


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise ServiceError(_("Please enter a name of at most 64 characters."), "name")
    return name


def _check_deputy(fields: DeputyFields | None) -> DeputyFields:
    if fields is None or fields.level is None:
        raise ServiceError(_("Please choose the deputy's level."), "level")
    if fields.community is None:
        raise ServiceError(_("Please choose the deputy's community."), "community")
    if not PHONE_RE.match(fields.phone or ""):
        raise ServiceError(_("A phone number holds only digits, spaces, '+' and '-'."), "phone")
    if len(fields.expertise or "") > 200:
        raise ServiceError(_("At most 200 characters."), "expertise")
    return fields


def create_user(
    username: str,
    name: str,
    role: Role,
    password: str,
    deputy: DeputyFields | None = None,
    initial_password: bool = False,
    member_from: date | None = None,
    term: Term | None = None,
    password_hash: str | None = None,
) -> User:
    """A new active user; a deputy gets their profile and a membership from `member_from` (today) in the same step.

    An `initial_password` (from an import) is hashed at the cheaper import cost and must be
    changed at the first login. `password_hash`, when given, is `password` already hashed (the demo's
    accounts share one password: hashing it once spares the seed seconds of scrypt).
    """
    user = User(
        username=check_username(username),
        name=_check_name(name),
        role=role,
        active=True,
    )
    check_password_rules(password)
    if role is Role.DEPUTY:
        fields = _check_deputy(deputy)
        user.deputy = DeputyProfile(
            level=fields.level, community=fields.community, expertise=fields.expertise.strip(), phone=fields.phone.strip()
        )
    user.password_hash = password_hash or hash_password(password, initial=initial_password)
    user.password_must_change = initial_password
    db.session.add(user)
    db.session.flush()
    if role is Role.DEPUTY:
        open_membership(user, user.deputy.community, check_effective(member_from or local_today()), term)
    return user


def update_user(user: User, username: str, name: str, role: Role, deputy: DeputyFields | None = None,
                effective_on: date | None = None) -> User:
    """Change a user's particulars and role; a deputy's profile follows the role.

    A move to another community, becoming a deputy and ceasing to be one take effect on `effective_on`
    (required for them): the deputy's figures before it keep the old community, or count them as a deputy.
    The profile of a former deputy is kept, for the records of the days they were one.
    """
    user.username = check_username(username, exclude_id=user.id)
    user.name = _check_name(name)
    was_deputy = user.role is Role.DEPUTY
    if role is Role.DEPUTY:
        fields = _check_deputy(deputy)
        moved = user.deputy is not None and user.deputy.community_id != fields.community.id
        if moved or not was_deputy:
            effective_on = check_effective(effective_on)
        profile = user.deputy or DeputyProfile()
        profile.level = fields.level
        profile.community = fields.community
        profile.expertise = fields.expertise.strip()
        profile.phone = fields.phone.strip()
        user.deputy = profile
        db.session.flush()
        if not was_deputy and user.active:
            open_membership(user, fields.community, effective_on)
        elif moved:
            move_deputy(user, fields.community, effective_on)
    elif was_deputy:
        end_membership(user, check_effective(effective_on) - timedelta(days=1))
    user.role = role
    db.session.flush()
    return user


def set_active(actor: User, user: User, active: bool, effective_on: date | None = None) -> User:
    """Activate or deactivate an account; nobody deactivates themselves.

    For a deputy the change has a date (required): deactivation ends their membership with `effective_on`
    as the last day they count, reactivation starts a new one on it, in their profile's community.
    """
    if actor.id == user.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    if user.role is Role.DEPUTY and user.deputy is not None and active != user.active:
        effective_on = check_effective(effective_on)
        if active:
            open_membership(user, user.deputy.community, effective_on)
        else:
            end_membership(user, effective_on)
    user.active = active
    if not active:
        return end_sessions(user)
    db.session.flush()
    return user


def create_community(name: str) -> Community:
    """A new community with a unique name."""
    community = Community(name=_check_community_name(name))
    db.session.add(community)
    db.session.flush()
    return community


def update_community(community: Community, name: str, active: bool) -> Community:
    """Rename a community or retire it from the choice lists."""
    community.name = _check_community_name(name, exclude_id=community.id)
    community.active = active
    db.session.flush()
    return community


def _check_community_name(name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise ServiceError(_("Please enter a name of at most 64 characters."), "name")
    query = select(Community.id).where(Community.name == name)
    if exclude_id is not None:
        query = query.where(Community.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_("A community named “%(name)s” already exists.", name=name), "name")
    return name


def active_communities() -> list[Community]:
    """The communities offered in choice lists, by name."""
    return list(db.session.scalars(select(Community).where(Community.active).order_by(Community.name)))


@cached_figure(PEOPLE)
def community_names() -> tuple[tuple[int, str], ...]:
    """The active communities' ids and names, by name: the choices of a community filter."""
    query = select(Community.id, Community.name).where(Community.active).order_by(Community.name)
    return tuple((community_id, name) for community_id, name in db.session.execute(query))


def role_counts() -> dict[Role, int]:
    """Active users per role."""
    rows = db.session.execute(select(User.role, func.count()).where(User.active).group_by(User.role))
    counts = {role: 0 for role in Role}
    counts.update({role: n for role, n in rows})
    return counts


def _deputy_rule(query: Select, active: bool | None, community: Community | int | None, level: Level | None,
                 q: str | None, during: Period | None = None) -> Select:
    community_id = community.id if isinstance(community, Community) else community
    if during is not None:
        # Who was a deputy then, and where: their memberships decide, not today's account, role or community.
        query = query.where(User.id.in_(members_during(Period(during.start, during.end, community_id or None))))
    else:
        query = query.where(User.role == Role.DEPUTY)
        if active is not None:
            query = query.where(User.active.is_(active))
        if community_id:
            query = query.where(DeputyProfile.community_id == community_id)
    if level is not None:
        query = query.where(DeputyProfile.level == level)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.name.like(like), DeputyProfile.expertise.like(like)))
    return query


def deputies_query(active: bool | None = True, community: Community | int | None = None, level: Level | None = None,
                   q: str | None = None, during: Period | None = None) -> Select:
    """The deputies: profiles joined to their user (role deputy) and community, by community then name.

    `active` True keeps active users only, False inactive ones only, None both; `community` (object or id),
    `level` and `q` (in the name or expertise) narrow it further. The user and community are loaded with it.
    With `during`, the deputies of that period instead: a membership met it, in `community` if given
    (`portal.membership.members_during`), whatever their account is today.
    """
    query = (
        select(DeputyProfile)
        .join(DeputyProfile.user)
        .join(DeputyProfile.community)
        .options(contains_eager(DeputyProfile.user), contains_eager(DeputyProfile.community))
        .order_by(Community.name, User.name)
    )
    return _deputy_rule(query, active, community, level, q, during)


def deputy_ids_query(active: bool | None = True, community: Community | int | None = None, level: Level | None = None,
                     q: str | None = None, during: Period | None = None) -> Select:
    """The user ids of `deputies_query` with the same filters, for `in_()` and counts."""
    query = select(User.id).join(User.deputy)
    return _deputy_rule(query, active, community, level, q, during)


def deputy_profile(user_id: int) -> DeputyProfile | None:
    """One deputy's profile (active or not) with its user and community, in one query."""
    return db.session.scalar(deputies_query(active=None).where(DeputyProfile.user_id == user_id))


def active_deputies(community: Community | int | None = None, during: Period | None = None) -> list[User]:
    """The active deputies' users, by community then name, for rosters and choice lists; with `during`, the
    deputies of that period instead (see `deputies_query`).

    Each user comes with its profile and community (`user.deputy.community`) in the same statement.
    """
    query = (
        select(User)
        .join(User.deputy)
        .join(DeputyProfile.community)
        .options(contains_eager(User.deputy).contains_eager(DeputyProfile.community))
        .order_by(Community.name, User.name)
    )
    return list(db.session.scalars(_deputy_rule(query, True, community, None, None, during)))
