"""Campaign routes in the route × role matrix (see tests/test_permissions.py)."""
from datetime import timedelta

from .test_permissions import LOGIN

ROUTES = {
    "campaigns.index": ("GET", "/campaigns/", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "campaigns.new": ("GET", "/campaigns/new", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "campaigns.detail": ("GET", "/campaigns/{campaign}", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "campaigns.edit": ("GET", "/campaigns/{campaign}/edit", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    # an empty item form is refused with the form again
    "campaigns.item_add": ("POST", "/campaigns/{campaign}/items", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 422}),
    "campaigns.item_edit": ("GET", "/campaigns/items/{item}/edit", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "campaigns.item_move": ("POST", "/campaigns/items/{item}/move", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 302}),
    "campaigns.item_retire": ("POST", "/campaigns/items/{item}/retire", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 302}),
    "campaigns.community_days_list": ("GET", "/campaigns/community-days", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "campaigns.matrix": ("GET", "/campaigns/matrix", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "campaigns.record_form": ("GET", "/campaigns/items/{item}/record", {"anonymous": LOGIN, "deputy": 200, "staff": 403, "admin": 403}),
    "campaigns.item_card": ("GET", "/campaigns/items/{item}/card", {"anonymous": LOGIN, "deputy": 302, "staff": 403, "admin": 403}),
    "campaigns.record": ("GET", "/campaigns/records/{own_record}", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
    "campaigns.verify": ("POST", "/campaigns/records/{own_record}/verify", {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    # sending back without a note is refused with the record page again
    "campaigns.send_back": ("POST", "/campaigns/records/{own_record}/return", {"anonymous": LOGIN, "deputy": 403, "staff": 422, "admin": 422}),
    "campaigns.on_behalf": ("GET", "/campaigns/on-behalf", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    # without htmx the link choices send back to the on-behalf page
    "campaigns.on_behalf_links": ("GET", "/campaigns/on-behalf/links?deputy_id={other_deputy}&item_id={item}",
                                  {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
}


def make_objects(app, world) -> dict:
    """A current campaign with a record of the logged-in deputy and one of the other deputy."""
    from portal.campaigns.services import (
        CampaignFields,
        RecordFields,
        create_campaign,
        save_record,
    )
    from portal.clock import local_today
    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        now = local_today()
        campaign = create_campaign(CampaignFields("测试活动", now - timedelta(days=30), now + timedelta(days=30), "", True))
        item = campaign.items[0]
        ids = {"campaign": campaign.id, "item": item.id, "other_deputy": world["other"].id}
        for key, who in (("own_record", "deputy"), ("other_record", "other")):
            deputy = db.session.get(User, world[who].id)
            record = save_record(deputy, item, deputy, RecordFields(now, world[who].community_id, "在社区体验一天。"))
            ids[key] = record.id
        db.session.commit()
        return ids
