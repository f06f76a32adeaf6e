"""The campaigns area's charts: the 四个一 completion per item of each campaign of a period."""
from flask_babel import gettext as _

from ..charts import Chart, bars, cached_charts
from ..figures_cache import CHECKLIST, PEOPLE
from ..figures import percent
from ..periods import Period
from .models import Campaign
from .services import CampaignTallies, campaign_tallies, campaigns_of


def four_ones_chart(tallies: CampaignTallies, campaign: Campaign) -> Chart:
    """Per item of a campaign: the share of deputies who have done it (the whole campaign so far)."""
    return bars(f"four-ones-{campaign.id}", _("Four ones completion per item: %(campaign)s", campaign=campaign.name), [_("Completion rate")],
                [(t.item.title, [float(t.rate or 0)], [f"{percent(t.rate)}（{t.done}/{t.deputies}）"]) for t in tallies.items],
                maximum=1)


@cached_charts(CHECKLIST, PEOPLE)
def four_ones_charts(period: Period) -> list[Chart]:
    """One completion chart per campaign whose window overlaps the period, of the deputies of its community."""
    return [four_ones_chart(campaign_tallies(campaign, period.community_id), campaign) for campaign in campaigns_of(period)]
