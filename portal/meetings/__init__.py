"""Meetings (会议) and attendance (考勤): rosters, the tablet screen, QR self check-in, voter-meeting logs."""
from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
