"""Text the portal accepts: no control characters (NUL, escape codes), for forms and services alike."""
import re

from flask_babel import lazy_gettext as _l

# C0 controls, DEL and C1 controls; multi-line text keeps tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

CONTROL_CHARACTERS_MESSAGE = _l("This field contains invisible control characters; please retype it.")


def has_control_characters(text: str | None, multiline: bool = False) -> bool:
    """True if `text` holds a character no field of the portal accepts (NUL, escape codes ...)."""
    return bool(text) and bool((_CONTROL_MULTILINE if multiline else _CONTROL).search(text))
