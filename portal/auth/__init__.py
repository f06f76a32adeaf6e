"""Logging in and out, and a user's own account settings."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
