"""Record numbers (编号): each opinion, suggestion, meeting, practical matter and evaluation carries one for life.

A new record takes the next number of its kind from a counter row (one UPDATE … RETURNING, so two writers
never take the same one). An imported record keeps the number of its file; when that number has the
portal's own form, the counter is moved past it, so a record made later can never take it again.
"""
import re

from sqlalchemy import String, insert, select, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .extensions import db

MAX_NUMBER = 32
WIDTH = 6


class RecordCounter(db.Model):
    """The last number given to a kind of record (its prefix is the key)."""

    __tablename__ = "record_counters"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

    __audit__ = False  # a counter, not a record: the record that took the number is audited


def format_number(prefix: str, value: int) -> str:
    """The portal's own spelling of a number: prefix, dash, at least six digits (YJ-000042)."""
    return f"{prefix}-{value:0{WIDTH}d}"


def own_value(prefix: str, number: str) -> int | None:
    """The counter value of a number in the portal's own spelling for `prefix`, else None."""
    match = re.fullmatch(rf"{re.escape(prefix)}-(\d{{{WIDTH},9}})", number or "")
    return int(match.group(1)) if match else None


def _take(connection, prefix: str) -> int:
    """The next value of the counter `prefix`, taken under the counter row's lock."""
    table = RecordCounter.__table__
    taken = connection.execute(
        update(table).where(table.c.kind == prefix).values(last=table.c.last + 1).returning(table.c.last)
    ).scalar()
    if taken is None:  # a schema made by create_all() (tests) has no counter rows yet
        connection.execute(insert(table).values(kind=prefix, last=1))
        taken = 1
    return taken


def _default_number(prefix: str):
    def default(context) -> str:
        return format_number(prefix, _take(context.connection, prefix))
    return default


class Numbered:
    """A record with a number (编号); the class names its prefix in `__number_prefix__`."""

    __number_prefix__: str

    @declared_attr
    def number(cls) -> Mapped[str]:
        return mapped_column(String(MAX_NUMBER), unique=True, default=_default_number(cls.__number_prefix__))


def reserve(cls: type[Numbered], number: str) -> None:
    """Move the counter of `cls` past `number` when it has the portal's own spelling (an imported record's)."""
    value = own_value(cls.__number_prefix__, number)
    if value is None:
        return
    table = RecordCounter.__table__
    connection = db.session.connection()
    moved = connection.execute(
        update(table).where(table.c.kind == cls.__number_prefix__, table.c.last < value).values(last=value)
    ).rowcount
    if not moved and connection.execute(select(table.c.kind).where(table.c.kind == cls.__number_prefix__)).first() is None:
        connection.execute(insert(table).values(kind=cls.__number_prefix__, last=value))


def existing_numbers(cls: type[Numbered], numbers: list[str]) -> set[str]:
    """Which of `numbers` records of `cls` already carry."""
    found: set[str] = set()
    wanted = sorted({n for n in numbers if n})
    for start in range(0, len(wanted), 500):  # stay under the database's bound-parameter limit
        found.update(db.session.scalars(select(cls.number).where(cls.number.in_(wanted[start:start + 500]))))
    return found
