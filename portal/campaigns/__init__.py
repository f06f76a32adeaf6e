"""建言献策活动 and their 四个一 checklists: campaigns, items, deputies' records, staff verification."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
