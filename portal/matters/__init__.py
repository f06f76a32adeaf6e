"""Practical matters (实事): concrete things deputies did for residents."""
from flask import Blueprint

bp = Blueprint("matters", __name__, url_prefix="/matters")
