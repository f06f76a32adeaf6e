"""Bulk import of deputies from CSV or XLSX: every row is checked, then all or nothing."""
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ServiceError
from ..extensions import db
from ..importing import read_rows as read_table
from ..models import Community, Level, Role, Term, User
from .memberships import open_membership
from .services import DeputyFields, create_user

# Accepted column headings, Chinese or English, and the field each one fills.
HEADINGS = {
    "用户名": "username", "username": "username",
    "姓名": "name", "name": "name",
    "级别": "level", "level": "level",
    "社区": "community", "community": "community",
    "专业": "expertise", "专业特长": "expertise", "expertise": "expertise",
    "电话": "phone", "phone": "phone",
    "初始密码": "password", "密码": "password", "password": "password",
}
REQUIRED = ("username", "name", "level", "community")
LEVELS = {"市": Level.CITY, "市级": Level.CITY, "city": Level.CITY, "区": Level.DISTRICT, "区级": Level.DISTRICT, "district": Level.DISTRICT}


@dataclass
class RowError:
    """Why one line of the file cannot be imported."""

    line: int
    reason: str


@dataclass
class ImportResult:
    """The outcome: either errors (nothing imported) or the created users with any generated passwords, and
    (a new term's roster) the deputies who continue with their own account."""

    errors: list[RowError] = field(default_factory=list)
    created: list[tuple[User, str | None]] = field(default_factory=list)
    continued: list[User] = field(default_factory=list)


def read_rows(filename: str, data: bytes, max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) for each non-empty data row of a CSV or XLSX file (limits: portal.importing)."""
    return read_table(filename, data, HEADINGS, REQUIRED, max_rows)


def import_deputies(rows: list[tuple[int, dict[str, str]]], member_from: date | None = None, term: Term | None = None) -> ImportResult:
    """Create a deputy per row, a deputy from `member_from` (today), or report every bad row and create none.

    With a `term` (a new term's roster), a row whose username is an existing deputy's re-elects them: they keep
    their account and history and begin a membership of the term, in the row's community. Rows are checked in a
    savepoint; on any error it is rolled back, so nothing is half-written.
    """
    result = ImportResult()
    if not rows:
        result.errors.append(RowError(1, _("The file has no data rows.")))
        return result
    communities = {c.name: c for c in db.session.scalars(select(Community).where(Community.active))}
    seen: dict[str, int] = {}
    savepoint = db.session.begin_nested()
    for line, row in rows:
        username = row.get("username", "").strip().lower()
        if username in seen:
            result.errors.append(RowError(line, _("The username “%(name)s” also appears on line %(line)d.", name=username, line=seen[username])))
            continue
        seen[username] = line
        level = LEVELS.get(row.get("level", "").strip().lower())
        if level is None:
            result.errors.append(RowError(line, _("The level must be 市 or 区, not “%(value)s”.", value=row.get("level", ""))))
            continue
        community = communities.get(row.get("community", "").strip())
        if community is None:
            result.errors.append(RowError(line, _("There is no community named “%(name)s”.", name=row.get("community", ""))))
            continue
        existing = db.session.scalar(select(User).where(User.username == username)) if term is not None else None
        if existing is not None:
            try:
                result.continued.append(_continue(existing, level, community, term))
            except ServiceError as error:
                result.errors.append(RowError(line, error.message))
            continue
        password = row.get("password", "").strip()
        generated = None
        if not password:
            password = generated = secrets.token_urlsafe(9)
        try:
            user = create_user(
                username,
                row.get("name", ""),
                Role.DEPUTY,
                password,
                DeputyFields(level, community, row.get("expertise", ""), row.get("phone", "")),
                initial_password=True,
                member_from=member_from if term is None else term.starts_on,
                term=term,
            )
        except ServiceError as error:
            result.errors.append(RowError(line, error.message))
            continue
        result.created.append((user, generated))
    if result.errors:
        savepoint.rollback()
        result.created = []
    else:
        savepoint.commit()
    return result


def _continue(user: User, level: Level, community: Community, term: Term) -> User:
    """A re-elected deputy: the same account, a membership of the new term from its first day."""
    if user.role is not Role.DEPUTY or user.deputy is None:
        raise ServiceError(_("“%(name)s” is not a deputy's username.", name=user.username))
    user.deputy.level, user.deputy.community = level, community
    user.active = True
    open_membership(user, community, term.starts_on, term)
    return user
