"""Duty points and duty days (履职积分 / 履职天数): the committee's rules, the live table, the published quarters."""
from flask import Blueprint

bp = Blueprint("points", __name__, url_prefix="/points")
