"""Forms every area shares."""
from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token guards a confirmed action."""
