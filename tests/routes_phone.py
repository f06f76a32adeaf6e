"""Routes of the phone and accessibility work in the permission matrix: settings, text size, meeting notices, calendar."""
from portal.extensions import db
from portal.models import User

LOGIN = "login"
ANY_USER_POST = {"anonymous": LOGIN, "deputy": 302, "staff": 302, "admin": 302}
DEPUTY_POST = {"anonymous": LOGIN, "deputy": 302, "staff": 403, "admin": 403}

ROUTES = {
    "admin.settings": ("GET", "/admin/settings", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "auth.set_text_size": ("POST", "/account/text-size", ANY_USER_POST),
    "meetings.reply": ("POST", "/meetings/{meeting}/reply", DEPUTY_POST),
    "meetings.renew_calendar": ("POST", "/meetings/calendar", DEPUTY_POST),
    # The secret in the address is the key: whoever holds it reads that one deputy's meetings.
    "meetings.calendar": ("GET", "/meetings/calendar/{calendar_token}.ics",
                          {"anonymous": 200, "deputy": 200, "staff": 200, "admin": 200}),
}


def make_objects(app, world) -> dict:
    """A calendar address for the logged-in deputy."""
    from portal.meetings.notices import renew_calendar_token

    with app.app_context():
        token = renew_calendar_token(db.session.get(User, world["deputy"].id))
        db.session.commit()
        return {"calendar_token": token}
