"""A living demo street, built through the same services the pages use. Idempotent.

`people` holds the accounts and the names every area's seeder shares; each area's part of the story
is in its own module here, so no domain package carries demo code.
"""
from ..extensions import db
from .campaigns import seed_campaigns, seed_checklist_links
from .evaluations import seed_evaluations
from .evidence import seed_evidence
from .ledger import seed_ledger
from .matters import seed_matters
from .meetings import seed_meeting_notices, seed_meetings
from .people import seed_accounts, seed_moves
from .points import seed_points
from .suggestions import seed_suggestions

__all__ = ["area_seeders", "seed_accounts", "seed_demo"]


def seed_demo(password: str) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo street; return (username, role, name) of its logins.

    The accounts come first; then each area's own seeder (`portal/demo/<area>.py`) adds its part
    of the report's story. Every seeder is idempotent and goes through the area's services.
    """
    logins = seed_accounts(password)
    for seed_area in area_seeders():
        seed_area()
        db.session.flush()
    return logins


def area_seeders() -> list:
    """The areas' seeders, in the order the story needs them."""
    # The checklist links come after the matters and suggestions they point at. The move comes after everything
    # dated before it, which keeps the deputy's community of its day. Last year's ledgers come last, so this year's
    # seeders, which count what is there, see only this year's story. The points come after all the duties they weigh.
    return [seed_campaigns, seed_meetings, seed_meeting_notices, seed_suggestions, seed_matters, seed_evaluations,
            seed_checklist_links, seed_moves, seed_ledger, seed_evidence, seed_points]
