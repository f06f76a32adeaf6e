"""The upload form: several files at once, and what they are on their record."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import SelectField
from wtforms.validators import StopValidation

from ..forms import BaseForm
from .models import OWNER_ROLES, OwnerKind


def _chosen(form, field) -> None:
    files = [f for f in field.data or [] if getattr(f, "filename", None)]
    if not files:
        raise StopValidation(_l("Please choose a photo or a PDF."))
    most = current_app.config["EVIDENCE_MAX_FILES_PER_UPLOAD"]
    if len(files) > most:
        raise StopValidation(_l("At most %(n)d files at a time.", n=most))


class EvidenceForm(BaseForm):
    """Files for one record; the image service checks each one and its message comes back at this field."""

    role = SelectField(_l("What it is"))
    files = MultipleFileField(_l("Photos or PDF"), validators=[_chosen])

    def __init__(self, kind: OwnerKind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, role.label) for role in OWNER_ROLES[kind]]
        if not self.role.data:  # a record with one kind of file asks nothing
            self.role.data = self.role.choices[0][0]
