"""Where each role starts: the home page a login, the root and a finished password change go to."""
from flask import url_for

from .models import Role


def home_url_for(user) -> str:
    """Each role lands on its own home page."""
    if user.has_role(Role.ADMIN):
        return url_for("admin.index")
    if user.has_role(Role.STAFF):
        return url_for("main.staff_home")
    return url_for("main.deputy_home")
