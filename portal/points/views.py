"""Points pages."""
from . import models  # noqa: F401
