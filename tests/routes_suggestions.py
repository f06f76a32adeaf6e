"""The suggestions area's routes in the permission matrix: opinions, suggestions, practical matters, evaluations."""

from portal.clock import local_today
from portal.extensions import db
from portal.models import Community, User

LOGIN = "login"
ALL = {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}
STAFF = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}
ADMIN = {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}
POSTED = {"anonymous": LOGIN, "deputy": 302, "staff": 302, "admin": 302}

ROUTES = {
    "opinions.index": ("GET", "/opinions/", ALL),
    "opinions.new": ("GET", "/opinions/new", ALL),
    "opinions.categories": ("GET", "/opinions/categories", ADMIN),
    "opinions.category_edit": ("GET", "/opinions/categories/{sugg_category}/edit", ADMIN),
    "suggestions.index": ("GET", "/suggestions/", ALL),
    "suggestions.new": ("GET", "/suggestions/new", ALL),
    "suggestions.detail": ("GET", "/suggestions/{suggestion_other}", ALL),
    "suggestions.edit": ("GET", "/suggestions/{suggestion_own}/edit", ALL),
    "suggestions.step": ("POST", "/suggestions/{suggestion_own}/transition", POSTED),
    "suggestions.gather_opinions": ("POST", "/suggestions/{suggestion_own}/opinions", POSTED),
    "suggestions.release_opinion": ("POST", "/suggestions/{suggestion_own}/opinions/{sugg_opinion}/release", POSTED),
    "suggestions.figures": ("GET", "/suggestions/figures", STAFF),
    "suggestions.export": ("GET", "/suggestions/figures/export.csv", STAFF),
    "matters.index": ("GET", "/matters/", ALL),
    "matters.new": ("GET", "/matters/new", ALL),
    "matters.detail": ("GET", "/matters/{matter}", ALL),
    "matters.edit": ("GET", "/matters/{matter}/edit", STAFF),  # the matter is the other deputy's
    "evaluations.index": ("GET", "/evaluations/", STAFF),
    "evaluations.new": ("GET", "/evaluations/new", STAFF),
    "evaluations.edit_thresholds": ("GET", "/evaluations/thresholds", ADMIN),
}


def make_objects(app, world) -> dict:
    """A category, an opinion of the deputy, a draft of the deputy and one of the other deputy, the other's matter."""
    from portal.matters.models import MatterState
    from portal.matters.services import MatterFields, create_matter
    from portal.opinions.models import CollectionMethod
    from portal.opinions.services import (
        active_categories,
        ensure_default_categories,
        record_opinion,
    )
    from portal.suggestions.services import SuggestionFields, create_suggestion

    with app.app_context():
        ensure_default_categories()
        deputy, other = db.session.get(User, world["deputy"].id), db.session.get(User, world["other"].id)
        community = db.session.get(Community, world["community"])
        category = active_categories()[0]
        opinion = record_opinion(deputy, deputy, "希望增加社区停车位", community, category, local_today(), CollectionMethod.VISIT)
        own = create_suggestion(deputy, SuggestionFields("停车难问题", "建议挖潜增加停车位", category, [deputy]), [opinion.id])
        theirs = create_suggestion(other, SuggestionFields("社区养老", "建议建立托老所", category, [other]))
        matter = create_matter(other, MatterFields("安装健身器材", "气象街26号楼", community, [other], local_today(), MatterState.DONE, 120))
        db.session.commit()
        return {"sugg_category": category.id, "sugg_opinion": opinion.id, "suggestion_own": own.id,
                "suggestion_other": theirs.id, "matter": matter.id}
