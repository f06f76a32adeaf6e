"""Bulk import of deputies from CSV or XLSX: every row is checked, then all or nothing."""
import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ServiceError
from ..extensions import db
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
    """(line number, {field: text}) for each non-empty data row of a CSV or XLSX file.

    Refuses a file with more than `max_rows` (IMPORT_MAX_ROWS) data rows without reading the rest.
    """
    max_rows = max_rows or current_app.config["IMPORT_MAX_ROWS"]
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook  # imported on the first upload, as exports.xlsx_body does

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            rows = _rows(
                (["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)),
                max_rows,
            )
        except ServiceError:
            raise
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise ServiceError(_("The file is not a readable XLSX workbook."), "file") from error
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
            except UnicodeDecodeError as error:
                raise ServiceError(_("The CSV file must be encoded in UTF-8 or GBK."), "file") from error
        reader = csv.reader(io.StringIO(text))
        try:
            rows = _rows(([cell.strip() for cell in row] for row in reader), max_rows)
        except csv.Error as error:  # a field over csv.field_size_limit(), a stray NUL ...
            raise ServiceError(
                _("Line %(line)d of the CSV file cannot be read (a cell too long or malformed).", line=reader.line_num),
                "file",
            ) from error
    else:
        raise ServiceError(_("Please upload a .csv or .xlsx file."), "file")
    return rows


def _rows(table, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """The data rows under the heading row, read lazily up to the limit."""
    heading = next(table, None)
    if heading is None:
        raise ServiceError(_("The file is empty."), "file")
    header = [HEADINGS.get(cell.strip().lower()) for cell in heading]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise ServiceError(_("The first row must name the columns; missing: %(cols)s.", cols=", ".join(missing)), "file")
    rows = []
    for number, cells in enumerate(table, start=2):
        if not any(cells):
            continue
        if len(rows) == max_rows:
            raise ServiceError(_("The file has more than %(n)d rows; please split it.", n=max_rows), "file")
        rows.append((number, {f: (cells[i] if i < len(cells) else "") for i, f in enumerate(header) if f}))
    return rows


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
