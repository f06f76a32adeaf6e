"""Last year's ledgers (台账), brought in through the ledger import from the file the demo ships.

The file's dates are in FILE_YEAR; each is moved by whole years so the history is always last year on the
portal's clock. Its numbers (TZ-…) are not the portal's own spelling, so they never meet this year's records',
and seeding again finds every row already present.
"""
import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..importing import read_sheets
from ..ledger.services import import_ledger, record_import
from ..meetings.services import ensure_default_meeting_kinds
from ..models import User
from ..opinions.models import Opinion
from ..opinions.services import ensure_default_categories
from ..suggestions.answers import FeedbackFields, answers_to_carry_back, record_feedback
from ..suggestions.models import FeedbackMethod, Suggestion

FILE = Path(__file__).with_name("ledger-last-year.xlsx")
FILE_YEAR = 2025
_DATED = re.compile(r"^(\d{4})(-\d{2}-\d{2}(?: \d{2}:\d{2})?)$")


def shift_years(text: str, years: int) -> str:
    """A date (or date and time) cell moved by whole years; any other cell unchanged (the file has no 29 February)."""
    match = _DATED.match(text)
    return f"{int(match.group(1)) + years}{match.group(2)}" if match else text


def seed_ledger() -> None:
    """Import last year's ledgers, unless they are there already; a broken file stops the seeding."""
    ensure_default_categories()
    ensure_default_meeting_kinds()
    staff = db.session.scalar(select(User).where(User.username == "staff1"))
    years = local_today().year - 1 - FILE_YEAR
    sheets = read_sheets(FILE.name, FILE.read_bytes())
    for sheet in sheets:
        sheet.rows = [(line, [shift_years(cell, years) for cell in cells]) for line, cells in sheet.rows]
    result = import_ledger(staff, sheets)
    if result.errors:
        raise RuntimeError(f"the demo's ledger does not import: {result.errors[:3]}")
    if result.created:
        record_import(FILE.name, result)
        _carry_back_last_years_answers(years)


def _carry_back_last_years_answers(years: int) -> None:
    """Last year's deputies carried each imported answer back to their voters two weeks after it came (回访)."""
    owing = db.session.execute(
        select(Suggestion, User)
        .join(Opinion, Opinion.suggestion_id == Suggestion.id)
        .join(User, User.id == Opinion.deputy_id)
        .where(Suggestion.number.startswith("TZ-"), Suggestion.answered_on.is_not(None))
        .distinct()
    ).all()
    last_day = date(FILE_YEAR + years, 12, 31)
    for suggestion, deputy in owing:
        if suggestion in answers_to_carry_back(deputy.id):
            day = min(suggestion.answered_on + timedelta(days=14), last_day)
            record_feedback(deputy, suggestion, FeedbackFields(day, FeedbackMethod.VISIT, "入户走访，向选民反馈了办理结果。"))

