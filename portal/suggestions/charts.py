"""The suggestions area's charts: opinions and adoption by category and by community, suggestions by state."""
from flask_babel import gettext as _

from ..charts import Chart, bars, cached_charts, counts_chart
from ..figures_cache import OPINIONS, PEOPLE
from ..periods import Period
from .adoption import (
    AdoptionRow,
    adoption_by_category,
    adoption_by_community,
    opinions_by_category,
    opinions_by_community,
    submitted_by_state,
)


def opinions_and_adoption_chart(key: str, title: str, opinions: list[tuple[str, int]], adoption: list[AdoptionRow]) -> Chart:
    """Per category (or community): opinions collected, suggestions submitted and adopted."""
    rows: dict[str, list[int]] = {name: [n, 0, 0] for name, n in opinions}
    for row in adoption:
        rows.setdefault(row.label, [0, 0, 0])[1:] = [row.submitted, row.adopted]
    return bars(key, title, [_("Voter opinions"), _("Submitted"), _("Adopted")],
                [(label, list(values), [str(v) for v in values]) for label, values in rows.items()])


@cached_charts(OPINIONS, PEOPLE)
def category_charts(period: Period) -> list[Chart]:
    """Opinions collected and suggestions submitted and adopted in the period, per category."""
    return [opinions_and_adoption_chart(
        "category", _("Opinions and adoption by category"), opinions_by_category(period), adoption_by_category(period))]


@cached_charts(OPINIONS, PEOPLE)
def community_charts(period: Period) -> list[Chart]:
    """Opinions collected and suggestions submitted and adopted in the period, per community."""
    return [opinions_and_adoption_chart(
        "community", _("Opinions and adoption by community"), opinions_by_community(period), adoption_by_community(period))]


@cached_charts(OPINIONS, PEOPLE)
def state_charts(period: Period) -> list[Chart]:
    """The suggestions submitted in the period by where they stand now."""
    counts = submitted_by_state(period)
    return [counts_chart("states", _("Suggestions by state"), _("Suggestions"), [(state.label, n) for state, n in counts])]
