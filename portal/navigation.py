"""Where each role starts: the home page a login, the root and a finished password change go to."""
from flask import url_for

from .models import Role
from .settings import needs_committee_name


def home_url_for(user) -> str:
    """Each role lands on its own home page."""
    if user.has_role(Role.ADMIN):
        # The admin is asked for the committee's name while the portal still shows the placeholder.
        return url_for("admin.settings") if needs_committee_name() else url_for("admin.index")
    if user.has_role(Role.STAFF):
        return url_for("main.staff_home")
    return url_for("main.deputy_home")
