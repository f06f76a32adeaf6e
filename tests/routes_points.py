"""Duty points routes and the batch review in the route × role matrix (see tests/test_permissions.py)."""
from .test_permissions import LOGIN

STAFF_ONLY = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}

ROUTES = {
    "points.index": ("GET", "/points/", STAFF_ONLY),
    # no quarter chosen: the page again, with the message at the field
    "points.publish": ("POST", "/points/publish", {"anonymous": LOGIN, "deputy": 403, "staff": 422, "admin": 422}),
    # a deputy sees a publication only when staff show the ranking
    "points.publication": ("GET", "/points/publications/{publication}", {"anonymous": LOGIN, "deputy": 404, "staff": 200, "admin": 200}),
    "points.ranking": ("POST", "/points/publications/{publication}/ranking", {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "points.export": ("GET", "/points/publications/{publication}/export.xlsx", STAFF_ONLY),
    "points.mine": ("GET", "/points/mine", {"anonymous": LOGIN, "deputy": 200, "staff": 403, "admin": 403}),
    "points.rules": ("GET", "/points/rules", STAFF_ONLY),
    "points.edit_rules": ("GET", "/points/rules/edit", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "campaigns.review": ("GET", "/campaigns/review", STAFF_ONLY),
    # nothing selected and no action: the list again with the message
    "campaigns.review_apply": ("POST", "/campaigns/review", {"anonymous": LOGIN, "deputy": 403, "staff": 422, "admin": 422}),
}


def make_objects(app, world) -> dict:
    """A published quarter (the last one), hidden from deputies."""
    from portal.extensions import db
    from portal.models import User
    from portal.points.services import publish_quarter, publishable_quarters

    with app.app_context():
        publication = publish_quarter(db.session.get(User, world["staff"].id), publishable_quarters()[0].start)
        db.session.commit()
        return {"publication": publication.id}
