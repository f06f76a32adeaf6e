"""Importing ledgers: every row goes through the same service a form uses, inside one transaction.

A dry run and the real import run the same code; the caller rolls the dry run back, and commits the
import only when no row has an error (all rows or none). A row whose number (编号) a record already
carries creates nothing. Services flush; callers commit.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..auditing import Action, record_event
from ..clock import to_local, to_utc
from ..errors import ServiceError
from ..evaluations.models import Evaluation
from ..evaluations.services import record_evaluation
from ..extensions import db
from ..importing import Sheet, column_letter
from ..matters.services import MatterFields, create_matter
from ..meetings.models import Meeting, MeetingKind
from ..meetings.services import MeetingFields, close_meeting, create_meeting
from ..meetings.voter_meetings import save_voter_log
from ..meetings.marks import mark_attendance
from ..membership import NOT_DEPUTY_ON_DAY, was_deputy_on
from ..models import Community, Role, User, utcnow
from ..numbers import MAX_NUMBER, existing_numbers, reserve
from ..opinions.models import Category, CollectionMethod, Opinion
from ..opinions.services import record_opinion
from ..suggestions.exports import STEPS
from ..suggestions.models import SuggestionState
from ..suggestions.services import SuggestionFields, create_suggestion, transition
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from .kinds import (
    KINDS,
    CellError,
    Kind,
    headings,
    kind_of_sheet,
    matter_state_choices,
    method_choices,
    parse_count,
    parse_date,
    parse_time,
    split_names,
    state_choices,
    status_choices,
)


@dataclass
class RowError:
    """What is wrong, where: the sheet, the file's line, the column (letter and heading)."""

    sheet: str
    line: int
    column: str
    message: str


@dataclass
class KindCount:
    """What one kind of the file holds: records to create, already present, given no number."""

    kind: Kind
    created: int = 0
    present: int = 0
    unnumbered: int = 0


@dataclass
class LedgerResult:
    """The outcome of a dry run or an import."""

    counts: list[KindCount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts)

    @property
    def present(self) -> int:
        return sum(c.present for c in self.counts)

    def summary(self) -> dict:
        """{kind: [created, already present]}, for the audit event."""
        return {c.kind.key: [c.created, c.present] for c in self.counts}


# A service's name for a field, where the ledger's column has another name.
SERVICE_FIELDS = {"deputies": "deputy", "deputy": "deputies", "sheet_on": "status"}


@dataclass
class _Table:
    """A sheet of the file read as one kind: each row as {field: text}, and where each field's column is."""

    sheet: Sheet
    kind: Kind
    rows: list[tuple[int, dict[str, str]]]
    columns: dict[str, int]
    present: set[str] = field(default_factory=set)  # numbers records already carry

    def where(self, field_name: str | None) -> str:
        """The column a field was read from, as a person finds it: its letter and heading."""
        field_name = field_name if field_name in self.columns else SERVICE_FIELDS.get(field_name)
        index = self.columns.get(field_name) if field_name else None
        if index is None:
            return ""
        return f"{column_letter(index)}（{self.sheet.heading[index]}）"


class _Names:
    """Deputies, communities, categories and meeting kinds by name, loaded once per import."""

    def __init__(self):
        self.deputies: dict[str, list[User]] = defaultdict(list)
        for user in db.session.scalars(select(User).where(User.role == Role.DEPUTY)):
            self.deputies[user.name.strip()].append(user)
        self.communities = {c.name.strip(): c for c in db.session.scalars(select(Community))}
        self.categories = {c.name.strip(): c for c in db.session.scalars(select(Category))}
        self.kinds = {k.name.strip(): k for k in db.session.scalars(select(MeetingKind))}

    def deputy(self, field_name: str, name: str) -> User:
        found = self.deputies.get(name.strip(), [])
        if not found:
            raise CellError(field_name, _("There is no deputy named “%(name)s”.", name=name))
        if len(found) > 1:
            raise CellError(field_name, _("Several deputies are named “%(name)s”; please record this row by hand.", name=name))
        return found[0]

    def one(self, table: dict, field_name: str, name: str, message: str):
        if not name.strip():
            raise CellError(field_name, _("This column must be filled in."))
        found = table.get(name.strip())
        if found is None:
            raise CellError(field_name, message % {"name": name})
        return found


def read_tables(sheets: list[Sheet]) -> tuple[list[_Table], list[RowError]]:
    """The file's tables by kind, in the order of import; a table of an unknown kind or missing columns is an error."""
    tables, errors = [], []
    for sheet in sheets:
        kind = kind_of_sheet(sheet.title, sheet.heading)
        if kind is None:
            if len(sheets) == 1:
                errors.append(RowError(sheet.title, 1, "", _("The columns do not match any ledger; please start from a template.")))
            continue  # an instructions or lists sheet of a template
        known = headings(kind)
        columns = {}
        for index, cell in enumerate(sheet.heading):
            name = known.get(cell.strip().lower())
            if name and name not in columns:
                columns[name] = index
        missing = [str(heading) for name, heading in kind.columns if name in kind.required and name not in columns]
        if missing:
            errors.append(RowError(sheet.title, 1, "", _("The first row must name the columns; missing: %(cols)s.",
                                                          cols="、".join(missing))))
            continue
        rows = [(line, {name: (cells[index].strip() if index < len(cells) else "") for name, index in columns.items()})
                for line, cells in sheet.rows]
        tables.append(_Table(sheet, kind, rows, columns))
    if not tables and not errors:
        errors.append(RowError("", 1, "", _("The file holds no ledger; please start from a template.")))
    tables.sort(key=lambda t: KINDS.index(t.kind))
    return tables, errors


def import_ledger(actor: User, sheets: list[Sheet]) -> LedgerResult:
    """Create the records of every table, or say what is wrong with each row. The caller commits or rolls back."""
    tables, errors = read_tables(sheets)
    result = LedgerResult(errors=errors)
    if errors:
        return result
    # pysqlite opens a transaction only before a write, and a SAVEPOINT taken outside one is committed by its
    # RELEASE: a write that changes nothing opens it, so each row's savepoint nests inside the import's.
    db.session.connection().exec_driver_sql("UPDATE record_counters SET last = last WHERE 1 = 0")
    names = _Names()
    counts: dict[str, KindCount] = {}
    for table in tables:
        count = counts.setdefault(table.kind.key, KindCount(table.kind))
        for group in _groups(table, result):
            line, row = group[0]
            number = row.get("number", "")
            if number in table.present:
                count.present += 1
                continue
            savepoint = db.session.begin_nested()
            try:
                _check_cells(group)
                if number:
                    reserve(table.kind.model, number)
                created = IMPORTERS[table.kind.key](actor, names, number or None, group)
            except (CellError, ServiceError) as error:
                savepoint.rollback()
                column = getattr(error, "field", None)
                result.errors.append(RowError(table.sheet.title, getattr(error, "line", None) or line, table.where(column),
                                              error.message))
                continue
            savepoint.commit()
            if created:
                count.created += 1
                count.unnumbered += not number
    result.counts = list(counts.values())
    return result


def record_import(filename: str, result: LedgerResult) -> None:
    """The one audit event of an import: the file's name and what it created per kind."""
    record_event(Action.IMPORT, "Ledger", changes={"file": [None, filename], "counts": [None, result.summary()]})


def _groups(table: _Table, result: LedgerResult) -> list[list[tuple[int, dict[str, str]]]]:
    """The records of a table: a meeting's rows share a number, every other row is one record.

    Also notes which numbers are present already and refuses a number that names two records in the file.
    """
    grouped: dict[str, list] = {}
    groups = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        number = row.get("number", "").strip()
        row["number"] = number
        if has_control_characters(number):
            result.errors.append(RowError(table.sheet.title, line, table.where("number"), str(CONTROL_CHARACTERS_MESSAGE)))
            continue
        if len(number) > MAX_NUMBER:
            result.errors.append(RowError(table.sheet.title, line, table.where("number"),
                                          _("A number has at most %(n)d characters.", n=MAX_NUMBER)))
            continue
        if table.kind.key == "meetings":
            key = number or f"{row.get('title', '')}\x00{row.get('starts_at', '')}"
            if key not in grouped:
                grouped[key] = []
                groups.append(grouped[key])
            grouped[key].append((line, row))
            continue
        if table.kind.key == "evaluations" and not any(row.get(f) for f in ("satisfied", "basically_satisfied", "dissatisfied")):
            continue  # the export lists every deputy; one without ballots was not evaluated
        if number and number in seen:
            result.errors.append(RowError(table.sheet.title, line, table.where("number"),
                                          _("The number %(number)s also appears on line %(line)d.", number=number, line=seen[number])))
            continue
        if number:
            seen[number] = line
        groups.append([(line, row)])
    table.present = existing_numbers(table.kind.model, [g[0][1]["number"] for g in groups])
    return groups


def _check_cells(group) -> None:
    for line, row in group:
        for name, text in row.items():
            if has_control_characters(text, multiline=True):
                raise CellError(name, str(CONTROL_CHARACTERS_MESSAGE), line)


def _import_meeting(actor: User, names: _Names, number: str | None, group) -> Meeting:
    _line, row = group[0]
    kind = names.one(names.kinds, "kind", row.get("kind", ""), _("There is no meeting kind named “%(name)s”."))
    starts_at = to_utc(parse_time("starts_at", row.get("starts_at", "")))
    ends_at = to_utc(parse_time("ends_at", row.get("ends_at", "")))
    community = _community(names, row, "community", required=False)
    day = to_local(starts_at).date()
    roster, marks = [], []
    statuses = status_choices()
    for member_line, member in group:
        if not member.get("deputy", "").strip():
            continue
        try:
            deputy = names.deputy("deputy", member["deputy"])
        except CellError as error:
            raise CellError(error.field, error.message, member_line) from error
        if deputy.id in roster:
            continue
        if not was_deputy_on(deputy, day):
            raise CellError("deputy", str(NOT_DEPUTY_ON_DAY), member_line)
        roster.append(deputy.id)
        status_text = member.get("status", "").strip().lower()
        if status_text and status_text not in statuses:
            raise CellError("status", _("“%(value)s” is not an attendance mark.", value=member.get("status", "")), member_line)
        if statuses.get(status_text) is not None:
            marks.append((member_line, deputy.id, statuses[status_text], member.get("reason", "")))
    fields = MeetingFields(kind, row.get("title", ""), starts_at, ends_at, row.get("place", ""), community, row.get("notes", ""))
    meeting = create_meeting(actor, fields, roster, number=number)
    for member_line, deputy_id, status, reason in marks:
        try:
            mark_attendance(actor, meeting, deputy_id, status, reason, sheet_on=day)
        except ServiceError as error:
            raise CellError("reason" if error.field == "reason" else "status", error.message, member_line) from error
    voter_count = parse_count("voter_count", row.get("voter_count", ""))
    if voter_count is not None or row.get("answers", "").strip():
        try:
            save_voter_log(meeting, voter_count, row.get("answers", ""))
        except ServiceError as error:
            raise CellError(error.field or "voter_count", error.message) from error
    if meeting.ends_at < utcnow():
        close_meeting(actor, meeting)  # a ledger's meeting is over: its attendance is final
    return meeting


def _community(names: _Names, row: dict, field_name: str, required: bool = True) -> Community | None:
    text = row.get(field_name, "").strip()
    if not text and not required:
        return None
    return names.one(names.communities, field_name, text, _("There is no community named “%(name)s”."))


def _import_opinion(actor: User, names: _Names, number: str | None, group) -> Opinion:
    _line, row = group[0]
    deputy = names.deputy("deputy", row.get("deputy", ""))
    community = _community(names, row, "community")
    category = names.one(names.categories, "category", row.get("category", ""), _("There is no category named “%(name)s”."))
    collected_on = parse_date("collected_on", row.get("collected_on", ""))
    method_text = row.get("method", "").strip().lower()
    method = method_choices().get(method_text) if method_text else CollectionMethod.OTHER
    if method is None:
        raise CellError("method", _("“%(value)s” is not a way of collecting opinions.", value=row.get("method", "")))
    voter_count = parse_count("voter_count", row.get("voter_count", ""))
    opinion = record_opinion(actor, deputy, row.get("content", ""), community, category, collected_on, method,
                             row.get("voter_names", ""), voter_count or None, number=number)
    meeting_number = row.get("meeting", "").strip()
    if meeting_number:
        meeting = db.session.scalar(select(Meeting).where(Meeting.number == meeting_number))
        if meeting is None:
            raise CellError("meeting", _("There is no meeting numbered %(number)s.", number=meeting_number))
        opinion.meeting_id = meeting.id
        db.session.flush()
    return opinion


def _import_suggestion(actor: User, names: _Names, number: str | None, group):
    _line, row = group[0]
    category = names.one(names.categories, "category", row.get("category", ""), _("There is no category named “%(name)s”."))
    community = _community(names, row, "community", required=False)
    deputies = [names.deputy("deputies", name) for name in split_names(row.get("deputies", ""))]
    if not deputies:
        raise CellError("deputies", _("Please choose at least one proposing deputy."))
    opinion_ids = []
    for opinion_number in split_names(row.get("opinions", "")):
        opinion_id = db.session.scalar(select(Opinion.id).where(Opinion.number == opinion_number))
        if opinion_id is None:
            raise CellError("opinions", _("There is no opinion numbered %(number)s.", number=opinion_number))
        opinion_ids.append(opinion_id)
    steps = _steps(row)
    state_text = row.get("state", "").strip().lower()
    state = state_choices().get(state_text) if state_text else None
    if state_text and state is None:
        raise CellError("state", _("“%(value)s” is not a state of a suggestion.", value=row.get("state", "")))
    reached = steps[-1][0] if steps else SuggestionState.DRAFT
    if state is not None and state is not reached:
        raise CellError("state", _("The state “%(state)s” does not match the dated steps, which end at “%(reached)s”.",
                                   state=state.label, reached=reached.label))
    submitted_on = steps[0][1] if steps else None  # a path always begins with 上报
    try:
        suggestion = create_suggestion(actor, SuggestionFields(row.get("title", ""), row.get("content", ""), category, deputies,
                                                               community), opinion_ids, number=number, on=submitted_on)
    except ServiceError as error:
        raise CellError(error.field or "title", error.message) from error
    expected = SuggestionState.DRAFT
    for to_state, on, note in steps:
        try:
            transition(actor, suggestion, to_state, expected, note, on=on)
        except ServiceError as error:
            raise CellError(f"{to_state.value}_{'note' if error.field == 'note' else 'date'}", error.message) from error
        expected = to_state
    return suggestion


def _steps(row: dict) -> list[tuple[SuggestionState, date, str]]:
    """The dated steps of a row, in order, checked to form one path of the workflow."""
    steps = []
    submitted_on = parse_date("submitted_on", row.get("submitted_on", ""), required=False)
    for state in STEPS:
        on = parse_date(f"{state.value}_date", row.get(f"{state.value}_date", ""), required=False)
        note = row.get(f"{state.value}_note", "")
        if state is SuggestionState.SUBMITTED and submitted_on is not None:
            if on is not None and on != submitted_on:
                raise CellError("submitted_on", _("The submission date differs from the date of the step “%(step)s”.",
                                                  step=state.label))
            on = submitted_on
        if on is None and note.strip():
            raise CellError(f"{state.value}_date", _("Please enter the date."))
        if on is not None:
            steps.append((state, on, note))
    path = [state for state, _on, _note in steps]
    allowed = {(): True, (SuggestionState.SUBMITTED,): True}
    for answer in (SuggestionState.ADOPTED, SuggestionState.NOT_ADOPTED):
        allowed[(SuggestionState.SUBMITTED, answer)] = True
    allowed[(SuggestionState.SUBMITTED, SuggestionState.ADOPTED, SuggestionState.IMPLEMENTING)] = True
    allowed[(SuggestionState.SUBMITTED, SuggestionState.ADOPTED, SuggestionState.IMPLEMENTING, SuggestionState.DONE)] = True
    if tuple(path) not in allowed:
        raise CellError(f"{path[-1].value}_date" if path else "state",
                        _("These dated steps are not one path of a suggestion (上报 → 采纳 or 未采纳 → 落实中 → 已落实)."))
    return steps


def _import_matter(actor: User, names: _Names, number: str | None, group):
    _line, row = group[0]
    community = _community(names, row, "community")
    deputies = [names.deputy("deputies", name) for name in split_names(row.get("deputies", ""))]
    state = matter_state_choices().get(row.get("state", "").strip().lower())
    if state is None:
        raise CellError("state", _("“%(value)s” is not a state of a practical matter.", value=row.get("state", "")))
    fields = MatterFields(row.get("title", ""), row.get("location", ""), community, deputies,
                          parse_date("done_on", row.get("done_on", "")), state,
                          parse_count("beneficiaries", row.get("beneficiaries", "")), row.get("description", ""),
                          started_on=parse_date("started_on", row.get("started_on", ""), required=False))
    try:
        return create_matter(actor, fields, number=number)
    except ServiceError as error:
        raise CellError(error.field or "title", error.message) from error


def _import_evaluation(actor: User, names: _Names, number: str | None, group):
    _line, row = group[0]
    deputy = names.deputy("deputy", row.get("deputy", ""))
    starts_on = parse_date("starts_on", row.get("starts_on", ""))
    ends_on = parse_date("ends_on", row.get("ends_on", ""))
    existing = db.session.scalar(select(Evaluation.number).where(
        Evaluation.deputy_id == deputy.id, Evaluation.starts_on == starts_on, Evaluation.ends_on == ends_on))
    if existing is not None:
        raise CellError("deputy", _("This deputy's evaluation for this period is already recorded (number %(number)s).",
                                    number=existing))
    counts = [parse_count(name, row.get(name, ""), required=True) for name in ("satisfied", "basically_satisfied", "dissatisfied")]
    try:
        return record_evaluation(actor, deputy, starts_on, ends_on, *counts,
                                 evaluated_on=parse_date("evaluated_on", row.get("evaluated_on", "")), number=number)
    except ServiceError as error:
        raise CellError(error.field, error.message) from error


IMPORTERS = {
    "meetings": _import_meeting,
    "opinions": _import_opinion,
    "suggestions": _import_suggestion,
    "matters": _import_matter,
    "evaluations": _import_evaluation,
}
