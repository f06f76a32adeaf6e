"""Evidence (附件): photos and documents attached to the records they prove, and their downloads."""
from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/evidence")
