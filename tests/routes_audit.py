"""Audit log and evaluation pages in the permission matrix."""
from portal.clock import local_today
from portal.extensions import db
from portal.models import User

LOGIN = "login"

ROUTES = {
    "audit.index": ("GET", "/admin/audit/", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    # The evaluation is the logged-in deputy's own ({self}); another deputy's answers 404 (tests/test_audit.py).
    "evaluations.detail": ("GET", "/evaluations/{evaluation_own}", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
}


def make_objects(app, world) -> dict:
    """An evaluation of the deputy who is logged in as {self}."""
    from portal.evaluations.services import record_evaluation, year_period

    with app.app_context():
        staff, deputy = db.session.get(User, world["staff"].id), db.session.get(User, world["deputy"].id)
        evaluation = record_evaluation(staff, deputy, *year_period(local_today().year), 30, 5, 1)
        db.session.commit()
        return {"evaluation_own": evaluation.id}
