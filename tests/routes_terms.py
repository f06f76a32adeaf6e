"""Terms (届) and memberships in the route × role matrix."""
from datetime import date

from portal.extensions import db
from portal.models import Term

from .test_permissions import LOGIN

STAFF = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}

ROUTES = {
    "deputies.terms": ("GET", "/deputies/terms", STAFF),
    "deputies.term": ("GET", "/deputies/terms/{term}", STAFF),
    "admin.term_new": ("GET", "/admin/terms/new", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
}


def make_objects(app, world):
    """A term for the term's page."""
    with app.app_context():
        term = Term(name="第十七届", starts_on=date(2021, 1, 1), ends_on=date(2025, 12, 31))
        db.session.add(term)
        db.session.commit()
        return {"term": term.id}
