"""The charts of the overview and the work report, put together from the charts each area draws."""
from ..campaigns.charts import four_ones_charts
from ..charts import Chart
from ..meetings.charts import attendance_charts
from ..periods import Period
from ..suggestions.charts import category_charts, community_charts, state_charts

# Keys: "category" (opinions and adoption by category), "community" (opinions and adoption by community),
# "states" (suggestions by state), "four-ones" (completion per item, of each campaign of the period),
# "attendance" (rate by month; needs both dates of the period).
CHARTS = {
    "category": category_charts,
    "community": community_charts,
    "states": state_charts,
    "four-ones": four_ones_charts,
    "attendance": attendance_charts,
}


def charts_for(period: Period, keys: tuple[str, ...]) -> dict[str, list[Chart]]:
    """The charts named by `keys` for a period and community, each drawn by the area its figure comes from."""
    return {key: CHARTS[key](period) for key in keys}


def flat_charts(period: Period, keys: tuple[str, ...]) -> list[Chart]:
    """The charts of `charts_for`, in the order of `keys`, as one list for a page's chart grid."""
    charts = charts_for(period, keys)
    return [chart for key in keys for chart in charts[key]]
