"""Downloads of a table as CSV or XLSX: one mimetype per format, Chinese file names, and no cell ever a formula.

Numbers (int, float, Decimal) stay numbers; everything else is written as text, so an exact rate such as
"17/69" or "24.6%" passed as a string stays exactly as written.
"""
import csv
import io
from decimal import Decimal
from urllib.parse import quote

from flask import Response

from .auditing import record_export

FORMATS = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to a text/* mimetype
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """True for a text cell a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _csv_cell(value):
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def csv_body(header: list, rows: list[list]) -> str:
    """The table as CSV text starting with a byte-order mark, so Excel and WPS read the Chinese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow([_csv_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def xlsx_body(header: list, rows: list[list], title: str | None = None, percent_columns: tuple[int, ...] = ()) -> bytes:
    """The table as one XLSX sheet; numbers stay numbers, text is forced to text, `percent_columns` (0-based) show 0.0%."""
    return workbook_body([(title, header, rows, percent_columns)])


def workbook_body(sheets: list[tuple], book=None) -> bytes:
    """Several tables as the sheets of one workbook: (title, header, rows[, percent_columns]) each.

    `book` is an openpyxl Workbook already holding other sheets (a template's instructions); the tables come first.
    """
    from openpyxl import Workbook  # imported on the first export: a worker that never exports never loads it

    if book is None:
        book = Workbook()
        book.remove(book.active)
    for position, (title, header, rows, *percent) in enumerate(sheets):
        sheet = book.create_sheet(index=position)
        if title:
            sheet.title = str(title)[:31]
        write_table(sheet, header, rows, percent[0] if percent else ())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(sheet, header: list, rows: list[list], percent_columns: tuple[int, ...] = ()) -> None:
    """Write a table into an openpyxl sheet: numbers stay numbers, text is text (never a formula)."""
    from openpyxl.cell.cell import TYPE_STRING

    for row_number, row in enumerate([header, *rows], start=1):
        for column, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                cell.value = str(value)
                cell.data_type = TYPE_STRING  # assigning "=…" made it a formula; a string is written as it reads
                if is_formula_like(value):
                    cell.quotePrefix = True
            else:
                cell.value = value
                if row_number > 1 and column - 1 in percent_columns:
                    cell.number_format = "0.0%"


def content_disposition(filename: str) -> str:
    """attachment; an ASCII fallback name and the real (Chinese) name per RFC 5987."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def table_response(fmt: str, header: list, rows: list[list], filename: str, title: str | None = None,
                   percent_columns: tuple[int, ...] = ()) -> Response:
    """The table as a CSV or XLSX download named `filename` + extension, never cached; recorded in the audit log."""
    if fmt == "csv":
        body = csv_body(header, rows)
    elif fmt == "xlsx":
        body = xlsx_body(header, rows, title, percent_columns)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return download(body, FORMATS[fmt], f"{filename}.{fmt}")


def download(body, mimetype: str, filename: str) -> Response:
    """A file download, never cached; every download leaves its row in the audit log."""
    record_export(filename)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response
