"""Voter opinions (选民意见) and their categories (领域): what deputies collect from voters."""
from flask import Blueprint

bp = Blueprint("opinions", __name__, url_prefix="/opinions")
