"""Benchmarks of the pages people use most, on the demo street (SQLite, in-process WSGI).

Run with `make bench`. Prints a Markdown table (median and 95th percentile latency per request and
requests per second) that the README quotes. The numbers are this machine's; compare runs, not machines.
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.demo import seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.meetings.models import Meeting  # noqa: E402
from sqlalchemy import select  # noqa: E402

PASSWORD = "bench-pass-1"
ROUNDS = 200

# (label, login, method, path, form data, htmx?) — {meeting} and {deputy} are resolved after seeding.
CASES = [
    ("login page", None, "GET", "/login", None, False),
    ("deputy home: 四个一 checklist", "xiahong", "GET", "/me", None, False),
    ("overview: the report's figures", "staff1", "GET", "/staff", None, False),
    ("四个一 matrix, 30 deputies", "staff1", "GET", "/campaigns/matrix", None, False),
    ("attendance screen, 30 cards", "staff1", "GET", "/meetings/{meeting}/attendance", None, False),
    ("attendance poll, nothing new", "staff1", "GET", "/meetings/{meeting}/attendance/changes?since={version}", None, True),
    ("mark attendance (htmx POST)", "staff1", "POST", "/meetings/{meeting}/attendance/{deputy}", {"status": "present"}, True),
    ("opinion search (htmx)", "staff1", "GET", "/opinions/?q=老人", None, True),
    ("adoption figures", "staff1", "GET", "/suggestions/figures", None, False),
    ("deputy roster, filtered (htmx)", "staff1", "GET", "/deputies/?q=王&level=district", None, True),
    ("user list (admin)", "admin", "GET", "/admin/users?status=all", None, False),
]


def measure(client, method: str, path: str, data, htmx: bool) -> list[float]:
    timings = []
    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.open(path, method=method, data=data, headers=headers)
        timings.append(time.perf_counter() - start)
        assert response.status_code < 400, (path, response.status_code)
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        })
        with app.app_context():
            db.create_all()
            seed_demo(PASSWORD)
            db.session.commit()
            meeting = db.session.scalar(select(Meeting).where(Meeting.closed.is_(False)).order_by(Meeting.starts_at.desc()))
            ids = {"meeting": meeting.id, "deputy": meeting.roster[0].deputy_id, "version": meeting.board_version}
        print("| page | median ms | p95 ms | req/s |\n|---|---:|---:|---:|")
        for label, login, method, path, data, htmx in CASES:
            path = path.format(**ids)
            client = app.test_client()
            if login:
                client.post("/login", data={"username": login, "password": PASSWORD})
            timings = sorted(measure(client, method, path, data, htmx))
            median = statistics.median(timings) * 1000
            p95 = timings[int(len(timings) * 0.95) - 1] * 1000
            print(f"| {label} | {median:.1f} | {p95:.1f} | {1000 / median:.0f} |")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
