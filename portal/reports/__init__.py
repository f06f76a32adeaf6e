"""Reports: the deputy's record (履职档案), the committee's work report as a Word document, and the charts."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
