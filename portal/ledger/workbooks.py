"""The downloadable templates of the ledgers and the export of every ledger of a period, as workbooks."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..evaluations.exports import evaluations_table
from ..evaluations.models import Evaluation
from ..evaluations.services import EvaluationRow, rating_for, thresholds
from ..exports import workbook_body, write_table
from ..extensions import db
from ..importing import column_letter
from ..matters.exports import matters_table
from ..matters.models import MATTER_STATE_LABELS, PracticalMatter
from ..matters.services import matters_query
from ..meetings.exports import meetings_table
from ..meetings.models import STATUS_LABELS, Meeting, MeetingKind
from ..models import Community, DeputyProfile, Role, User
from ..opinions.exports import opinions_table
from ..opinions.models import METHOD_LABELS, Category, Opinion
from ..opinions.services import opinions_query
from ..suggestions.exports import suggestions_table
from ..suggestions.models import STATE_LABELS, Suggestion
from ..suggestions.services import suggestions_query
from .kinds import KINDS, TIME_EXAMPLE, Kind

LISTS_SHEET = "lists"


def _coded_lists(kind: Kind) -> dict[str, list[str]]:
    """The choices of each coded column of `kind`, as the drop-down lists offer them."""
    deputies = list(db.session.scalars(select(User.name).where(User.role == Role.DEPUTY, User.active).order_by(User.name)))
    communities = list(db.session.scalars(select(Community.name).where(Community.active).order_by(Community.id)))
    categories = list(db.session.scalars(select(Category.name).where(Category.active).order_by(Category.position, Category.id)))
    meeting_kinds = list(db.session.scalars(select(MeetingKind.name).where(MeetingKind.active).order_by(MeetingKind.position)))
    lists = {
        "deputy": deputies, "community": communities, "category": categories, "kind": meeting_kinds,
        "method": [str(label) for label in METHOD_LABELS.values()],
        "status": [str(label) for label in STATUS_LABELS.values()] + [_("Not signed in")],
    }
    if kind.key == "suggestions":
        lists["state"] = [str(label) for label in STATE_LABELS.values()]
    if kind.key == "matters":
        lists["state"] = [str(label) for label in MATTER_STATE_LABELS.values()]
    return lists


def template_body(kind: Kind) -> bytes:
    """The empty ledger of `kind`: its headings, an instructions sheet, and drop-down lists for the coded columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    sheet = book.create_sheet(str(kind.title)[:31])
    write_table(sheet, [str(heading) for _name, heading in kind.columns], [])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"

    lists_sheet = book.create_sheet(LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    lists = _coded_lists(kind)
    position = 0
    for index, (name, heading) in enumerate(kind.columns):
        values = lists.get(name)
        if not values:
            continue
        letter = column_letter(position)
        position += 1
        for row, value in enumerate([str(heading), *values], start=1):
            lists_sheet[f"{letter}{row}"] = value
        validation = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                                    allow_blank=True, showErrorMessage=name != "deputy")
        validation.error = _("Please choose from the list.")
        sheet.add_data_validation(validation)
        validation.add(f"{column_letter(index)}2:{column_letter(index)}5000")

    instructions = book.create_sheet(_("Instructions"), 1)
    rows = [[_("How to fill in this ledger")], [str(kind.note)] if kind.note else [],
            [_("Row 1 names the columns: keep it. One record per row from row 2; dates as 2025-03-10, times as %(example)s.", example=TIME_EXAMPLE)],
            [_("Deputies, communities, categories and meeting kinds are named exactly as in the portal; several deputies in one cell are separated by 、.")],
            [_("The number (编号) identifies a record: a row whose number the portal already has creates nothing, so a file can be imported twice. Leave it empty and the portal gives the next number.")],
            [_("No formulas: paste values. The portal first shows what it would create and every row's errors; nothing is written until you confirm.")],
            [],
            [_("Column"), _("Required"), _("Choices")]]
    for name, heading in kind.columns:
        if name in kind.ignored:
            continue
        rows.append([str(heading), _("Yes") if name in kind.required else "", _("from the drop-down list") if name in lists else ""])
    write_table(instructions, rows[0], rows[1:])
    instructions.column_dimensions["A"].width = 30
    return workbook_body([], book)


def ledger_export_body() -> bytes:
    """Every ledger as one workbook, one sheet per kind in the order the import reads them (a move to another portal)."""
    by_key = {kind.key: kind for kind in KINDS}
    sheets = [
        (by_key["meetings"].title, *meetings_table(select(Meeting).order_by(Meeting.starts_at, Meeting.id))),
        (by_key["opinions"].title, *opinions_table(opinions_query().order_by(None).order_by(Opinion.collected_on, Opinion.id))),
        (by_key["suggestions"].title, *suggestions_table(suggestions_query().order_by(None).order_by(Suggestion.id))),
        (by_key["matters"].title, *matters_table(matters_query().order_by(None).order_by(PracticalMatter.done_on, PracticalMatter.id))),
        (by_key["evaluations"].title, *_evaluations()),
    ]
    return workbook_body(sheets)


def _evaluations() -> tuple[list, list[list]]:
    """Every evaluation, whatever its ballot period (the evaluations page shows one year at a time)."""
    settings = thresholds()
    header, rows = evaluations_table([], None, None)
    query = select(Evaluation).options(joinedload(Evaluation.deputy).joinedload(User.deputy).joinedload(DeputyProfile.community))
    for e in db.session.scalars(query.order_by(Evaluation.evaluated_on, Evaluation.id)):
        rows += evaluations_table([EvaluationRow(e.deputy, e, rating_for(e.satisfaction, settings))], e.starts_on, e.ends_on)[1]
    return header, rows
