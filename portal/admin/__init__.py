"""The admin's pages: users and roles, communities, deputy import."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
