"""The reports area's routes in the route × role matrix (see tests/test_permissions.py)."""
from .test_permissions import LOGIN

ALL = {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}
STAFF = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}

ROUTES = {
    "reports.record": ("GET", "/reports/deputies/{self}", ALL),
    "reports.records": ("GET", "/reports/deputies", STAFF),
    "reports.work_report_page": ("GET", "/reports/", STAFF),
    "reports.work_report_docx": ("GET", "/reports/work-report.docx", STAFF),
}
