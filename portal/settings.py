"""Values the admin sets in the portal itself, read on every page (the committee's name)."""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .errors import ServiceError
from .extensions import db
from .figures_cache import PEOPLE, cached_figure
from .models import Setting

COMMITTEE_NAME = "committee_name"
PLACEHOLDER_NAME = "××街道人大工委"
MAX_NAME = 60


def committee_name() -> str:
    """The committee's name: the admin's setting, else the configured default."""
    try:
        name = _stored_committee_name()
    except SQLAlchemyError:
        # Every page shows the name, error pages too: they must render when the database cannot answer.
        db.session.rollback()
        return current_app.config["COMMITTEE_NAME"]
    return name or current_app.config["COMMITTEE_NAME"]


@cached_figure(PEOPLE)
def _stored_committee_name() -> str | None:
    setting = db.session.get(Setting, COMMITTEE_NAME)
    return setting.value if setting else None


def needs_committee_name() -> bool:
    """True while the name is still the placeholder the portal ships with."""
    return committee_name() == PLACEHOLDER_NAME


def set_committee_name(name: str) -> str:
    """Set the committee's name shown in every page's header (flushes)."""
    name = " ".join(name.split())
    if not name or name == PLACEHOLDER_NAME:
        raise ServiceError(_("Please enter the committee's real name."))
    if len(name) > MAX_NAME:
        raise ServiceError(_("The name has at most %(n)d characters.", n=MAX_NAME))
    setting = db.session.get(Setting, COMMITTEE_NAME)
    if setting is None:
        db.session.add(Setting(key=COMMITTEE_NAME, value=name))
    else:
        setting.value = name
    db.session.flush()
    return name
