"""The 600-card door board against a plain 600-row table of the same deputies, rendered in-process.

`python -m bench.board_vs_table [deputies]` fills a throwaway SQLite database with `bench.generate`
and prints, per rendering, the CPU milliseconds of the template alone (data loaded once) and of the
whole request through the test client (data loaded each time), plus the answer's size raw and gzip.
The table is the least a page listing these deputies can do: name, community and status in a
minimal Jinja loop over the same cards.
"""
import gzip
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import render_template, render_template_string  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.generate import DISTRICT, Scale, generate, session_id  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.meetings.models import Meeting  # noqa: E402
from portal.meetings.marks import attendance_cards

ROUNDS = 20
TABLE = """<table><thead><tr><th>Name</th><th>Community</th><th>Status</th></tr></thead><tbody>
{% for card in cards %}<tr><td>{{ card.name }}</td><td>{{ card.community }}</td><td>{{ card.mark.status.value if card.mark else "unmarked" }}</td></tr>
{% endfor %}</tbody></table>"""


def cpu_ms(action, rounds: int = ROUNDS) -> float:
    """The mean CPU time of `action` in milliseconds, after one warming call."""
    action()
    started = time.process_time()
    for _ in range(rounds):
        action()
    return (time.process_time() - started) * 1000 / rounds


def measure(url: str, deputies: int) -> dict[str, tuple[float, float, int, int]]:
    """Per rendering: (template ms, request ms, bytes raw, bytes gzip) on a fresh district of `deputies`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        generated = generate(Scale(deputies=deputies) if deputies != DISTRICT.deputies else DISTRICT)
        staff = session_id(generated.staff_id)
    meeting_id = generated.meeting_id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff
        session["_fresh"] = True
    board_path = f"/meetings/{meeting_id}/attendance"
    results = {}
    with app.test_request_context(board_path):
        from flask_login import login_user

        from portal.meetings.views import _board_context
        from portal.models import User

        login_user(db.session.get(User, generated.staff_id))
        meeting = db.session.get(Meeting, meeting_id)
        context = _board_context(meeting)
        cards = context["cards"]
        grid = cpu_ms(lambda: render_template("meetings/_cards.html", **context))
        table = cpu_ms(lambda: render_template_string(TABLE, cards=cards))
        board_html = render_template("meetings/_cards.html", **context).encode()
        table_html = render_template_string(TABLE, cards=cards).encode()
        load = cpu_ms(lambda: attendance_cards(meeting))
    page = client.get(board_path).data
    results["600-card board (grid only)"] = (grid, grid + load, len(board_html), len(gzip.compress(board_html, 6)))
    results["plain 600-row table"] = (table, table + load, len(table_html), len(gzip.compress(table_html, 6)))
    results["whole attendance screen (request)"] = (
        float("nan"), cpu_ms(lambda: client.get(board_path)), len(page), len(gzip.compress(page, 6)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv: list[str] | None = None) -> dict:
    """Print the two renderings side by side; return the numbers."""
    args = sys.argv[1:] if argv is None else argv
    deputies = int(args[0]) if args else DISTRICT.deputies
    with tempfile.TemporaryDirectory() as folder:
        results = measure(f"sqlite:///{folder}/board.db", deputies)
    print(f"| rendering ({deputies} deputies) | template CPU ms | with loading the cards, CPU ms | bytes raw | gzip |")
    print("|---|---:|---:|---:|---:|")
    for label, (template, total, raw, packed) in results.items():
        print(f"| {label} | {template:.1f} | {total:.1f} | {raw:,} | {packed:,} |")
    return results


if __name__ == "__main__":
    main()
