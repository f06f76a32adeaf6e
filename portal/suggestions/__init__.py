"""Suggestions (建言): opinions gathered into suggestions, the district's answer, implementation, the adoption rate."""
from flask import Blueprint

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
