"""Home pages: each role lands on its own."""
from flask import Blueprint

bp = Blueprint("main", __name__)
