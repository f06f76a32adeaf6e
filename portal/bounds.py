"""Numbers and dates a request may carry: within what the database and the calendar hold.

Every integer column is a 32-bit INTEGER on PostgreSQL, which refuses a larger parameter with an
error rather than finding nothing (SQLite's driver does the same beyond 64 bits); a date near the
year 9999 overflows the first day added to it. So the app reads them here, once for every route: an
id in a path beyond the range is no route (404), a query or form value read as a number
(`request.args.get(..., type=int)`) or a choice beyond it is a value that did not convert, and a
form's number or date field beyond what can be computed with gets a message (portal/forms.py).
"""
from datetime import date

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

DB_INT_MIN, DB_INT_MAX = -(2**31), 2**31 - 1
# A number a form field takes (a count, a tablet's clock in milliseconds) is computed with, never beyond 64 bits.
FIELD_INT_MIN, FIELD_INT_MAX = -(2**63), 2**63 - 1
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def within_db_range(number: int) -> bool:
    """Whether an integer column of the database can hold `number` (32-bit signed)."""
    return DB_INT_MIN <= number <= DB_INT_MAX


def db_int(value) -> int:
    """`int(value)` for a form's choice (an id), refused (ValueError) beyond what the database holds."""
    number = int(value)
    if not within_db_range(number):
        raise ValueError(value)
    return number


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number beyond the database's range matches no route."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


class RequestValues(ImmutableMultiDict):
    """A request's query or form values: read as int, a number beyond the database's range did not convert."""

    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not within_db_range(value):
            return default
        return value

    def getlist(self, key, type=None):
        values = super().getlist(key, type)
        return [v for v in values if within_db_range(v)] if type is int else values


class PortalRequest(Request):
    """The portal's request: its query and form values are `RequestValues`."""

    parameter_storage_class = RequestValues
