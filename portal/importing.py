"""Reading an uploaded table (CSV in UTF-8 or GBK, or XLSX), for every import: the limits and the hostile cells.

The request's size is capped by MAX_CONTENT_LENGTH; here a file is read lazily and refused past
IMPORT_MAX_ROWS data rows, a CSV line that cannot be read is named, and a formula in a workbook is refused
at its cell (its value would be whatever the sender's spreadsheet last computed). A text cell the portal's
own CSV export protected with a leading apostrophe reads back as it was written.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import gettext as _

from .errors import ServiceError
from .exports import FORMULA_STARTS


@dataclass
class Sheet:
    """One table of the file: its title (a workbook's sheet; empty for a CSV), heading cells and data rows."""

    title: str
    heading: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line number in the file, cells)


def column_letter(index: int) -> str:
    """The spreadsheet's name of a 0-based column: A, B … Z, AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheets(filename: str, data: bytes, max_rows: int | None = None) -> list[Sheet]:
    """Every non-empty table of a CSV or XLSX file, blank rows skipped; refuses more than `max_rows` data rows in all."""
    max_rows = max_rows or current_app.config["IMPORT_MAX_ROWS"]
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_workbook(data, max_rows)
    if name.endswith(".csv"):
        return [_read_csv(data, max_rows)]
    raise ServiceError(_("Please upload a .csv or .xlsx file."), "file")


def _read_csv(data: bytes, max_rows: int) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError as error:
            raise ServiceError(_("The CSV file must be encoded in UTF-8 or GBK."), "file") from error
    reader = csv.reader(io.StringIO(text))
    try:
        sheet = _sheet("", ([_unprotect(cell.strip()) for cell in row] for row in reader), max_rows)
    except csv.Error as error:  # a field over csv.field_size_limit(), a stray NUL ...
        raise ServiceError(
            _("Line %(line)d of the CSV file cannot be read (a cell too long or malformed).", line=reader.line_num),
            "file",
        ) from error
    if sheet is None:
        raise ServiceError(_("The file is empty."), "file")
    return sheet


def _unprotect(cell: str) -> str:
    """A cell the CSV export wrote as '=… (so no spreadsheet runs it) reads back as =…."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _read_workbook(data: bytes, max_rows: int) -> list[Sheet]:
    from openpyxl import load_workbook  # imported on the first upload, as exports.xlsx_body does

    sheets: list[Sheet] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        for worksheet in book.worksheets:
            read = sum(len(s.rows) for s in sheets)
            sheet = _sheet(worksheet.title, _workbook_rows(worksheet), max_rows - read, max_rows)
            if sheet is not None:
                sheets.append(sheet)
    except ServiceError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ServiceError(_("The file is not a readable XLSX workbook."), "file") from error
    if not sheets:
        raise ServiceError(_("The file is empty."), "file")
    return sheets


def _workbook_rows(worksheet):
    for line, row in enumerate(worksheet.iter_rows(), start=1):
        cells = []
        for index, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "f":
                raise ServiceError(
                    _("Sheet “%(sheet)s”, row %(line)d, column %(column)s holds a formula; please paste the values instead.",
                      sheet=worksheet.title, line=line, column=column_letter(index)),
                    "file",
                )
            cells.append(cell_text(getattr(cell, "value", None)))
        yield cells


def cell_text(value) -> str:
    """A workbook cell as the text a person reads: whole numbers without ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet(title: str, table, room: int, limit: int | None = None) -> Sheet | None:
    """The heading and the data rows under it, read lazily up to `room` more rows; None for an empty table."""
    lines = enumerate(table, start=1)
    heading = next((cells for _line, cells in lines if any(cells)), None)
    if heading is None:
        return None
    sheet = Sheet(title, heading)
    for number, cells in lines:
        if not any(cells):
            continue
        if len(sheet.rows) == room:
            raise ServiceError(_("The file has more than %(n)d rows; please split it.", n=limit or room), "file")
        sheet.rows.append((number, cells))
    return sheet


def read_rows(filename: str, data: bytes, headings: dict[str, str], required: tuple[str, ...],
              max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) for each data row of the file's first table; `headings` maps a column's
    heading (lower case) to its field, and a file without every `required` field is refused."""
    sheet = read_sheets(filename, data, max_rows)[0]
    fields = [headings.get(cell.strip().lower()) for cell in sheet.heading]
    missing = [f for f in required if f not in fields]
    if missing:
        raise ServiceError(_("The first row must name the columns; missing: %(cols)s.", cols=", ".join(missing)), "file")
    return [(line, {f: (cells[i] if i < len(cells) else "") for i, f in enumerate(fields) if f}) for line, cells in sheet.rows]
