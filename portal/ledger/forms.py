"""The ledger upload and its confirmation."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from ..forms import BaseForm


class LedgerUploadForm(BaseForm):
    """The ledger file: a template filled in, or one of the portal's exports."""

    file = FileField(_l("File (.csv or .xlsx)"), validators=[FileRequired(_l("Please choose a file."))])


class ConfirmImportForm(BaseForm):
    """Confirms the import of the file the dry run checked, kept on the server under this random name."""

    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
