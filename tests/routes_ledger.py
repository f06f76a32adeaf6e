"""The ledger import's routes in the route × role matrix: staff and admin only."""
from .test_permissions import LOGIN

STAFF = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}

ROUTES = {
    "ledger.index": ("GET", "/ledger/", STAFF),
    # an empty confirmation names no kept upload: back to the page with a message
    "ledger.confirm": ("POST", "/ledger/confirm", {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "ledger.template": ("GET", "/ledger/template/opinions.xlsx", STAFF),
    "ledger.export": ("GET", "/ledger/export.xlsx", STAFF),
    "meetings.list_export": ("GET", "/meetings/export.csv", STAFF),
}
