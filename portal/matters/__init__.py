"""Practical matters (实事): concrete things deputies did for residents."""
from flask import Blueprint

bp = Blueprint("matters", __name__, url_prefix="/matters")

from . import models, views  # noqa: E402,F401
