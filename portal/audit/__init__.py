"""The audit log's pages: the admin's browser of every event, and each object's history."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
