"""Ledger pages: the templates, the export of every ledger, the upload with its dry run, and the confirmed import."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import local_today
from ..errors import ServiceError, attach_to_form
from ..exports import FORMATS, download
from ..extensions import db
from ..htmx import render_page_or_partial
from ..importing import read_sheets
from ..models import Role
from ..permissions import role_required
from . import bp
from .forms import ConfirmImportForm, LedgerUploadForm
from .kinds import KIND_BY_KEY, KINDS
from .services import import_ledger, record_import
from .uploads import forget, keep, kept
from .workbooks import ledger_export_body, template_body


def _page(form: LedgerUploadForm, result=None, confirm: ConfirmImportForm | None = None, filename: str = ""):
    return render_page_or_partial("ledger/index.html", "ledger/_result.html", form=form, result=result,
                                  confirm=confirm, filename=filename, kinds=KINDS)


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.STAFF)
def index():
    """The templates and the upload; a posted file is checked in a dry run that writes nothing."""
    form = LedgerUploadForm()
    if not form.validate_on_submit():
        return _page(form)
    upload = form.file.data
    filename = (upload.filename or "").rsplit("/", 1)[-1][:200]
    data = upload.read()
    try:
        sheets = read_sheets(filename, data)
    except ServiceError as error:
        attach_to_form(form, error)
        return _page(form)
    result = import_ledger(current_user, sheets)
    db.session.rollback()  # a dry run: nothing it did stays
    confirm = None
    if not result.errors and result.created:
        confirm = ConfirmImportForm(formdata=None, upload=keep(filename, data))
    return _page(form, result, confirm, filename)


@bp.route("/confirm", methods=["POST"])
@role_required(Role.STAFF)
def confirm():
    """Import the file the dry run checked: every row or, if anything changed meanwhile, none."""
    form = ConfirmImportForm()
    upload = kept(form.upload.data) if form.validate_on_submit() else None
    if upload is None:
        flash(_("That upload is no longer available; please upload the file again."), "error")
        return redirect(url_for("ledger.index"))
    filename, data = upload
    result = import_ledger(current_user, read_sheets(filename, data))
    if result.errors:
        db.session.rollback()
        return _page(LedgerUploadForm(formdata=None), result, None, filename)
    record_import(filename, result)
    db.session.commit()
    forget(form.upload.data)
    flash(_("%(file)s was imported: %(created)d records created, %(present)d already present.",
            file=filename, created=result.created, present=result.present), "success")
    return redirect(url_for("ledger.index"))


@bp.route("/template/<kind>.xlsx")
@role_required(Role.STAFF)
def template(kind: str):
    """The empty ledger of one kind, with its instructions and drop-down lists."""
    found = KIND_BY_KEY.get(kind)
    if found is None:
        abort(404)
    return download(template_body(found), FORMATS["xlsx"], f"ledger-template-{kind}.xlsx")


@bp.route("/export.xlsx")
@role_required(Role.STAFF)
def export():
    """Every ledger in one workbook, ready to import into another portal."""
    return download(ledger_export_body(), FORMATS["xlsx"], f"ledgers-{local_today().isoformat()}.xlsx")
