"""Evidence routes in the route × role matrix (see tests/test_permissions.py): a photo on the logged-in deputy's record."""
from .test_permissions import LOGIN

ROUTES = {
    # an empty upload is refused with the form again; another deputy's record is not theirs to add to
    "evidence.upload": ("POST", "/evidence/record/{own_record}", {"anonymous": LOGIN, "deputy": 422, "staff": 422, "admin": 422}),
    "evidence.download": ("GET", "/evidence/{own_photo}", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
    "evidence.thumb": ("GET", "/evidence/{own_photo}/thumb", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
    "evidence.remove": ("POST", "/evidence/{own_photo}/remove", {"anonymous": LOGIN, "deputy": 302, "staff": 302, "admin": 302}),
}


def make_objects(app, world) -> dict:
    """A photo the deputy added to their own 四个一 record (made by tests/routes_campaigns.py)."""
    from portal.campaigns.models import ChecklistRecord
    from portal.evidence.models import AttachmentRole, OwnerKind
    from portal.evidence.services import Upload, attach_files
    from portal.extensions import db
    from portal.models import User

    from .evidence_files import jpeg

    with app.app_context():
        deputy = db.session.get(User, world["deputy"].id)
        record = db.session.get(ChecklistRecord, world["own_record"])
        (photo,) = attach_files(deputy, OwnerKind.RECORD, record, AttachmentRole.PHOTO, [Upload("体验一天.jpg", jpeg())])
        db.session.commit()
        return {"own_photo": photo.id}
