"""No figure's statement reads a whole history: with the statistics a deployment keeps (SQLite's ANALYZE at the
first connection and PRAGMA optimize every few minutes, PostgreSQL's autovacuum), every statement of the cold
figure pages starts from the period's meetings and reaches the rosters and marks through their indexes.

The plans are read with EXPLAIN QUERY PLAN (SQLite) and EXPLAIN (FORMAT JSON) with sequential scans priced out
(PostgreSQL, whose costs on a test-sized database would rightly prefer a scan): a full scan of a history table,
or an index walked from end to end, fails the test and names the statement.
"""
import json
from dataclasses import replace

import pytest
from sqlalchemy import event, text

from bench.generate import TINY_HISTORY, generate, session_id
from portal import figures_cache
from portal.extensions import db

from .conftest import shared_world

pytestmark = pytest.mark.postgres

HISTORY_TABLES = {"meetings", "meeting_roster", "attendance", "attendance_changes", "meeting_tallies"}
PAGES = ["/staff", "/meetings/rates", "/wall", "/suggestions/figures", "/reports/deputies/{deputy}", "/reports/"]
SCALE = replace(TINY_HISTORY, meetings=12, years=4)


def build_history(app, make_user, make_community):
    """Four years of meetings of a small street, analyzed as a running deployment's would be."""
    with app.app_context():
        generated = generate(SCALE)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return generated


history = shared_world(build_history)


def _statements(app, client, path: str) -> list[tuple[str, object]]:
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    figures_cache._entries.clear()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _sqlite_full_scans(connection, statement, parameters) -> list[str]:
    plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    found = [line for line in plan if line.startswith("SCAN ") and line.split()[1] in HISTORY_TABLES]
    # Rosters and marks read in a statement that picks meetings by date must be reached from those meetings,
    # not walked deputy by deputy through every meeting they were ever on.
    # (A search keyed by the meeting, driven by the list of meetings a subquery picked by date, is reached from them.)
    reads = [line for line in plan if line.startswith(("SCAN ", "SEARCH ")) and line.split()[1] in HISTORY_TABLES]
    order = [line.split()[1] for line in reads]
    if ("meetings" in order and order[0] in ("meeting_roster", "attendance") and "starts_at" in statement
            and "(meeting_id=?" not in reads[0]):
        found.append(f"{order[0]} before meetings: " + " / ".join(plan))
    return found


def _postgres_full_scans(connection, statement, parameters) -> list[str]:
    connection.exec_driver_sql("SET enable_seqscan = off")
    [[plan]] = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).all()
    found = []

    def walk(node):
        relation = node.get("Relation Name")
        if relation in HISTORY_TABLES and (
            node["Node Type"] == "Seq Scan"
            or node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node and "Filter" not in node
        ):
            found.append(f"{node['Node Type']} on {relation}")
        for child in node.get("Plans", ()):
            walk(child)

    walk((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    return found


@pytest.mark.parametrize("path", PAGES)
def test_no_figure_statement_scans_a_whole_history(app, client, history, path):
    with app.app_context():
        staff = session_id(history.staff_id)
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = staff, True
    statements = _statements(app, client, path.format(deputy=history.deputy_id))
    assert statements
    with app.app_context():
        connection = db.session.connection()
        explain = _postgres_full_scans if connection.dialect.name == "postgresql" else _sqlite_full_scans
        scans = {statement[:200]: found for statement, parameters in statements
                 if (found := explain(connection, statement, parameters))}
        db.session.rollback()
    assert scans == {}


def test_a_tap_reads_the_deputys_latest_tap_from_the_index_alone(app, history):
    """The tap's decision takes the deputy's latest applied tap at the meeting from the end of one index, never from
    the deputy's history rows; on PostgreSQL it then runs on one cached plan, not planned anew at every tap."""
    from portal.meetings.marks import _seen_statement

    parameters = {"meeting_id": history.meeting_id, "deputy_id": history.deputy_ids[0], "tap_id": "none"}
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            statement = _seen_statement(True).params(**parameters).compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True})
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
            reads = [line for line in plan if " attendance_changes " in f" {line} " and "tap_id" not in line]
            assert reads == ["SEARCH attendance_changes USING COVERING INDEX ix_attendance_changes_latest "
                             "(meeting_id=? AND deputy_id=? AND applied=?)"], plan
        else:
            compiled = _seen_statement(True).compile(dialect=connection.dialect)
            statement, values = str(compiled), compiled.construct_params(parameters)
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a test-sized table would rightly be scanned
            [[plan]] = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, values).all()
            reads = []

            def walk(node):
                if node.get("Relation Name") == "attendance_changes" and node.get("Index Name") != "uq_attendance_changes_tap_id":
                    reads.append((node["Node Type"], node.get("Index Name")))
                for child in node.get("Plans", ()):
                    walk(child)

            walk(plan[0]["Plan"])
            assert reads == [("Index Only Scan", "ix_attendance_changes_latest")], plan
            connection.exec_driver_sql("RESET enable_seqscan")
            for _ in range(15):  # past psycopg preparing it (5th use) and the five custom plans PostgreSQL makes first
                connection.execute(_seen_statement(True), parameters).all()
            generic = connection.exec_driver_sql(
                "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %(like)s",
                {"like": "%max(attendance_changes.tapped_at)%"}).scalar()
            assert generic, "the tap's decision is planned anew at every tap"
        db.session.rollback()
