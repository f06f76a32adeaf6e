"""The kinds of ledger the portal takes in, each read by the headings of the area's own export."""
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..evaluations.exports import COLUMNS as EVALUATION_COLUMNS
from ..evaluations.models import Evaluation
from ..matters.exports import COLUMNS as MATTER_COLUMNS
from ..matters.models import MATTER_STATE_LABELS, MatterState, PracticalMatter
from ..meetings.exports import MEETING_COLUMNS
from ..meetings.models import STATUS_LABELS, AttendanceStatus, Meeting
from ..opinions.exports import COLUMNS as OPINION_COLUMNS
from ..opinions.models import METHOD_LABELS, CollectionMethod, Opinion
from ..suggestions.exports import COLUMNS as SUGGESTION_COLUMNS
from ..suggestions.exports import STEPS
from ..suggestions.models import STATE_LABELS, Suggestion, SuggestionState


@dataclass(frozen=True)
class Kind:
    """A ledger: its sheet's title (the export's), its record, its columns and which of them must be filled."""

    key: str
    title: str  # a lazy string: the title of the export's sheet
    model: type
    columns: list  # (field, heading)
    required: tuple[str, ...]
    ignored: frozenset = field(default_factory=frozenset)  # export columns the import passes over (counts, labels)
    note: str = ""


def _step_columns() -> list[tuple[str, object]]:
    """A suggestion's step columns: (field, heading) for each step's date and note, e.g. ("adopted_date", "已采纳: date")."""
    columns = []
    for state in STEPS:
        columns += [(f"{state.value}_date", _l("%(step)s: date", step=_StateLabel(state))),
                    (f"{state.value}_note", _l("%(step)s: note", step=_StateLabel(state)))]
    return columns


class _StateLabel:
    """A state's label, spelled in the language in force when the heading is rendered."""

    def __init__(self, state: SuggestionState):
        self.state = state

    def __str__(self) -> str:
        return self.state.label

    def __html__(self) -> str:
        return str(self)


# In the order they are imported: a later kind may name an earlier one's records by number.
KINDS = [
    Kind("meetings", _l("Meetings"), Meeting, MEETING_COLUMNS, ("kind", "title", "starts_at", "ends_at"),
         note=_l("One row per meeting and rostered deputy; the rows of one meeting share its number.")),
    Kind("opinions", _l("Voter opinions"), Opinion, OPINION_COLUMNS,
         ("collected_on", "deputy", "community", "category", "content"), frozenset({"suggestion", "suggestion_state"})),
    Kind("suggestions", _l("Suggestions"), Suggestion, SUGGESTION_COLUMNS + _step_columns(),
         ("title", "category", "deputies", "content"), frozenset({"voters", "opinion_count"}),
         note=_l("Every step that happened has its date; the opinions it gathers are named by their numbers.")),
    Kind("matters", _l("Practical matters"), PracticalMatter, MATTER_COLUMNS,
         ("done_on", "title", "community", "state", "deputies")),
    Kind("evaluations", _l("Voter evaluations"), Evaluation, EVALUATION_COLUMNS,
         ("deputy", "starts_on", "ends_on", "satisfied", "basically_satisfied", "dissatisfied", "evaluated_on"),
         frozenset({"community", "ballots", "satisfaction", "rating"}),
         note=_l("A row without ballots (a deputy not yet evaluated) is passed over.")),
]
KIND_BY_KEY = {kind.key: kind for kind in KINDS}


def _per_catalogue(function):
    """`function(constant)` worked out once per constant of this module and set of languages: the catalogues do not
    change while the portal runs, and an import reads the labels for every row."""
    found: dict[tuple, tuple] = {}

    @functools.wraps(function)
    def wrapper(constant):
        key = (tuple(current_app.config["LANGUAGES"]), id(constant))
        if key not in found:
            found[key] = (constant, function(constant))  # the constant kept alive, so its id is never reused
        return found[key][1]

    return wrapper


def _spellings(text) -> set[str]:
    """A heading or label as written in every language of the portal (lower case), plus its English msgid."""
    spelled = set()
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            spelled.add(str(text).strip().lower())
    return spelled


# Headings a committee's own ledger writes for a column, beside the export's (Chinese only: they are the ledgers' own).
ALIASES = {"deputy": ("代表", "代表姓名"), "deputies": ("代表", "代表姓名"), "content": ("意见", "内容", "意见内容")}


@_per_catalogue
def headings(kind: Kind) -> dict[str, str]:
    """{heading as written, lower case: field} in every language of the portal, and the usual aliases."""
    found = {alias: name for name, _heading in kind.columns for alias in ALIASES.get(name, ())}
    return found | {spelling: name for name, heading in kind.columns for spelling in _spellings(heading)}


@_per_catalogue
def _title_spellings(kind: Kind) -> set[str]:
    return _spellings(kind.title)


def kind_of_sheet(title: str, heading: list[str]) -> Kind | None:
    """The kind a table holds: by its sheet's title, else the one whose required headings it has (most headings wins)."""
    for kind in KINDS:
        if title.strip().lower() in _title_spellings(kind):
            return kind
    best, best_score = None, 0
    cells = {cell.strip().lower() for cell in heading}
    for kind in KINDS:
        known = headings(kind)
        found = {known[cell] for cell in cells if cell in known}
        if set(kind.required) <= found and len(found) > best_score:
            best, best_score = kind, len(found)
    return best


@_per_catalogue
def choices(labels: dict) -> dict[str, object]:
    """{label in any language or the stored value, lower case: member} for a coded column."""
    found = {}
    for member, label in labels.items():
        found[member.value.lower()] = member
        for spelling in _spellings(label):
            found[spelling] = member
    return found


def state_choices() -> dict[str, SuggestionState]:
    """A suggestion's states by label."""
    return choices(STATE_LABELS)


def method_choices() -> dict[str, CollectionMethod]:
    """The ways of collecting an opinion by label."""
    return choices(METHOD_LABELS)


def matter_state_choices() -> dict[str, MatterState]:
    """A practical matter's states by label."""
    return choices(MATTER_STATE_LABELS)


def status_choices() -> dict[str, AttendanceStatus | None]:
    """Attendance marks; 未签到 (not signed in) is no mark at all."""
    found: dict[str, AttendanceStatus | None] = dict(choices(STATUS_LABELS))
    for spelling in _spellings(_l("Not signed in")):
        found[spelling] = None
    return found


class CellError(Exception):
    """A cell that cannot be read; `field` names its column, `line` its row when not the record's first."""

    def __init__(self, field_name: str, message: str, line: int | None = None):
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.line = line


TIME_EXAMPLE = "2025-03-10 14:30"  # outside the message: its colon is the file's, not the sentence's
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME = re.compile(r"(\d{1,2})\s*[:：时]\s*(\d{2})")


def parse_date(field_name: str, text: str, required: bool = True) -> date | None:
    """A date written 2025-03-10, 2025/3/10, 2025.3.10 or 2025年3月10日 (a time after it is ignored)."""
    text = (text or "").strip()
    if not text:
        if required:
            raise CellError(field_name, _("Please enter the date."))
        return None
    match = _DATE.match(text)
    try:
        return date(*(int(part) for part in match.groups())) if match else _not_a_date(field_name, text)
    except ValueError:
        return _not_a_date(field_name, text)


def _not_a_date(field_name: str, text: str):
    raise CellError(field_name, _("“%(value)s” is not a date (write it as 2025-03-10).", value=_shorten(text)))


def parse_time(field_name: str, text: str) -> datetime:
    """A local date and time written 2025-03-10 14:30 (a date alone is midnight)."""
    day = parse_date(field_name, text)
    rest = _DATE.sub("", (text or "").strip(), count=1)
    match = _TIME.search(rest)
    if rest.strip() and not match:
        raise CellError(field_name, _("“%(value)s” is not a time (write it as %(example)s).", value=_shorten(text), example=TIME_EXAMPLE))
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if hour > 23 or minute > 59:
        raise CellError(field_name, _("“%(value)s” is not a time (write it as %(example)s).", value=_shorten(text), example=TIME_EXAMPLE))
    return datetime(day.year, day.month, day.day, hour, minute)


def parse_count(field_name: str, text: str, required: bool = False) -> int | None:
    """A whole number of at least zero (1,234 and 12.0 read as numbers)."""
    text = (text or "").strip().replace(",", "")
    if not text:
        if required:
            raise CellError(field_name, _("Please enter a number."))
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0 or not value.is_integer() or value > 10_000_000:
        raise CellError(field_name, _("“%(value)s” is not a whole number.", value=_shorten(text)))
    return int(value)


def split_names(text: str) -> list[str]:
    """The names of a cell listing several: 张三、李四 (also separated by commas or semicolons)."""
    return [name.strip() for name in re.split(r"[、,，;；\n]", text or "") if name.strip()]


def _shorten(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"
