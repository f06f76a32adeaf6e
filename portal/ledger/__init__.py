"""The committee's ledgers (台账) brought in: templates, a dry run, and an import of all rows or none."""
from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
