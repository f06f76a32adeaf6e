"""Rates and their display, one rule for every figure of the portal (adoption, attendance, completion)."""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def rate(numerator: int, denominator: int) -> Fraction | None:
    """numerator ÷ denominator exactly, or None when there is nothing to divide by."""
    return Fraction(numerator, denominator) if denominator else None


def percent(value: Fraction | float | None, places: int = 0) -> str:
    """A rate as a percentage rounded half up: 17/69 → '25%' (places=1 → '24.6%'); None → '—'."""
    if value is None:
        return "—"
    if isinstance(value, Fraction) and value >= 0:  # in whole numbers: a page shows dozens of rates
        scale = 10 ** places
        units = (200 * scale * value.numerator + value.denominator) // (2 * value.denominator)  # half up
        return f"{units // scale}.{units % scale:0{places}d}%" if places else f"{units}%"
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(str(value))
    quantum = Decimal(1).scaleb(-places)
    return f"{(exact * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"


def points_text(value: Decimal | None) -> str:
    """Points as the committee writes them: 118.5, 120 (no trailing zero), −3; None → '—'."""
    if value is None:
        return "—"
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
