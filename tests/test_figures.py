"""The one rule for rates and percentages."""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from portal.figures import percent, rate


def test_rate_is_exact_and_none_without_denominator():
    assert rate(17, 69) == Fraction(17, 69)
    assert rate(0, 0) is None
    assert rate(3, 3) == 1


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [(Fraction(17, 69), 0, "25%"), (Fraction(17, 69), 1, "24.6%"), (Fraction(1, 8), 0, "13%"),
     (Fraction(1, 200), 0, "1%"), (Fraction(0), 0, "0%"), (Fraction(1), 0, "100%"), (None, 0, "—"), (0.5, 0, "50%")],
)
def test_percent_rounds_half_up(value, places, shown):
    assert percent(value, places) == shown


def test_percent_of_a_fraction_is_the_decimal_rule():
    """A fraction's percentage is worked out in whole numbers; it reads as the Decimal rule rounds it, half up."""
    for denominator in range(1, 120):
        for numerator in range(denominator + 2):
            value = Fraction(numerator, denominator)
            for places in (0, 1, 2):
                exact = (Decimal(numerator) / Decimal(denominator) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
                assert percent(value, places) == f"{exact}%", (value, places)


def test_percent_filter_in_templates(app):
    with app.app_context():
        assert app.jinja_env.from_string("{{ r | percent }}").render(r=Fraction(17, 69)) == "25%"
