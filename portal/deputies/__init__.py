"""The deputies of the street: the roster staff work from and each deputy's profile."""
from flask import Blueprint

bp = Blueprint("deputies", __name__, url_prefix="/deputies")
