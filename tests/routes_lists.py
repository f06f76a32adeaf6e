"""The list downloads (CSV and Excel, with the page's filters) and the answers-owed routes in the route × role matrix."""
from .test_permissions import LOGIN

ALL = {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}
STAFF = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}

ROUTES = {
    "opinions.export": ("GET", "/opinions/export.csv", ALL),
    "suggestions.list_export": ("GET", "/suggestions/export.xlsx", ALL),
    "matters.export": ("GET", "/matters/export.csv", ALL),
    "evaluations.export": ("GET", "/evaluations/export.xlsx", STAFF),
    "deputies.export": ("GET", "/deputies/export.csv", STAFF),
    # the matrix of the current campaign (routes_campaigns makes one)
    "main.wall": ("GET", "/wall", STAFF),
    "campaigns.matrix_export": ("GET", "/campaigns/matrix/export.xlsx", STAFF),
}

# Answers owed (portal/suggestions/answers.py): an empty form is refused and sent back with a message.
ROUTES.update({
    "suggestions.set_due": ("POST", "/suggestions/{suggestion_own}/due",
                            {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "suggestions.feedback": ("POST", "/suggestions/{suggestion_own}/feedback",
                             {"anonymous": LOGIN, "deputy": 302, "staff": 403, "admin": 403}),
})
