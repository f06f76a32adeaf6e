"""Voter evaluations (选民评议): ballots per deputy and period, satisfaction rate and rating."""
from flask import Blueprint

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")
