"""Voter opinions (选民意见) and their categories (领域): what deputies collect from voters."""
from . import models  # noqa: F401
