"""The schema comes only from migrations: they match the models and go up and down on both databases, and a new
revision's id sorts after its parent's and after every landed one."""
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.clock import local_today
from portal.extensions import db

pytestmark = pytest.mark.postgres


def test_upgrade_matches_models_and_downgrade_removes_everything(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # and up again from nothing
        assert {"users", "communities", "deputy_profiles"} <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The revisions that have landed, each with its parent: a landed revision is never edited. The first ones landed
# before ids had to sort after their parent's, and keep their ids (0011 → 0014 → 0010 → 0013 → 0009 → 0012b).
LANDED = {"0001": None, "0002": "0001", "0003": "0002", "0005": "0003", "0006": "0005", "0007": "0006",
          "0011": "0007", "0014": "0011", "0010": "0014", "0013": "0010", "0009": "0013", "0012b": "0009",
          "0016": "0012b", "0017": "0016", "0018": "0017", "0019": "0018", "0020": "0019",
          "0021": "0020", "0022": "0021"}


def revision_graph() -> dict[str, tuple[str, ...]]:
    """Each revision in migrations/versions with the ids of its parents (none for the first)."""
    graph = {}
    for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions():
        down = script.down_revision  # None, an id, or the ids a merge joins
        graph[script.revision] = () if down is None else (down,) if isinstance(down, str) else tuple(down)
    return graph


def rule_breaks(graph: dict[str, tuple[str, ...]], landed=LANDED) -> list[str]:
    """What breaks the rule for new revisions: an id that does not sort after a parent's or after every landed
    one (the files then list in the order they apply), more than one head."""
    newest_landed = max(landed)
    breaks = [f"{revision} does not sort after its parent {parent}: name it after {parent}"
              for revision, parents in sorted(graph.items()) if revision not in landed
              for parent in parents if not revision > parent]
    breaks += [f"{revision} sorts before the landed {newest_landed}: name it after {newest_landed}"
               for revision in sorted(graph) if revision not in landed and not revision > newest_landed]
    heads = sorted(set(graph) - {parent for parents in graph.values() for parent in parents})
    if len(heads) != 1:
        breaks.append(f"{len(heads)} heads ({', '.join(heads)}): a new revision follows the one head")
    return breaks


def test_landed_revisions_keep_their_ids_and_parents():
    graph = revision_graph()
    assert {revision: graph.get(revision, "missing") for revision in LANDED} == {
        revision: (parent,) if parent else () for revision, parent in LANDED.items()}


def test_a_new_revision_id_sorts_after_its_parent_and_there_is_one_head():
    assert rule_breaks(revision_graph()) == []


def test_the_rule_refuses_an_id_sorting_before_its_parent_and_takes_one_after_the_head():
    landed = {revision: (parent,) if parent else () for revision, parent in LANDED.items()}
    assert rule_breaks(landed) == []
    assert rule_breaks({**landed, "0023": ("0022",)}) == []
    assert rule_breaks({**landed, "0021a": ("0022",)}) == [
        "0021a does not sort after its parent 0022: name it after 0022",
        "0021a sorts before the landed 0022: name it after 0022"]
    # As it stood when 0012b was the head and 0014 the newest id: a head that is not the newest id.
    landed = {revision: parents for revision, parents in landed.items() if revision < "0015"}
    assert rule_breaks({**landed, "0015": ("0012b",)}, landed) == []
    assert rule_breaks({**landed, "0009x": ("0013",)}, landed) == [
        "0009x does not sort after its parent 0013: name it after 0013",
        "0009x sorts before the landed 0014: name it after 0014",
        "2 heads (0009x, 0012b): a new revision follows the one head"]
    assert rule_breaks({**landed, "0009x": ("0012b",)}, landed) == [
        "0009x does not sort after its parent 0012b: name it after 0012b",
        "0009x sorts before the landed 0014: name it after 0014"]
    assert rule_breaks({**landed, "0013a": ("0012b",)}, landed) == ["0013a sorts before the landed 0014: name it after 0014"]


def test_0016_gives_every_deputy_a_dated_membership_on_a_database_full_of_data(make_app):
    """From the account's creation or the earliest record; a deactivated deputy's ends on the audited day."""
    app = make_app()
    with app.app_context():
        upgrade(revision="0012b")
        run = db.session.execute
        run(text("INSERT INTO communities (id, name, active) VALUES (1, '甲社区', true), (2, '乙社区', true)"))
        for user_id, role, active in ((1, "deputy", True), (2, "deputy", False), (3, "staff", True), (4, "deputy", False)):
            run(text("INSERT INTO users (id, username, name, password_hash, role, active, created_at, session_version, large_text,"
                     " password_must_change) VALUES (:id, :u, :u, 'x', :role, :active, '2026-03-01 02:00:00+00:00', 1, false, false)"),
                {"id": user_id, "u": f"user{user_id}", "role": role, "active": active})
        for user_id, community in ((1, 1), (2, 2), (4, 1)):
            run(text("INSERT INTO deputy_profiles (user_id, level, community_id, expertise, phone) VALUES (:id, 'district', :c, '', '')"),
                {"id": user_id, "c": community})
        run(text("INSERT INTO opinions (content, community_id, category_id, deputy_id, collected_on, method, voter_names, recorded_by_id,"
                 " on_behalf, created_at) VALUES ('意见', 1, (SELECT MIN(id) FROM categories), 1, '2025-05-04', 'visit', '', 3, false, '2026-03-02 00:00:00+00:00')"))
        run(text("INSERT INTO audit_events (at, action, object_type, object_id, changes) VALUES"
                 " ('2026-06-30 17:00:00+00:00', 'update', 'User', '2', :changes)"), {"changes": '{"active": [true, false]}'})
        db.session.commit()
        upgrade()
        rows = run(text("SELECT deputy_id, community_id, starts_on, ends_on FROM memberships ORDER BY deputy_id")).all()
        as_dates = [(d, c, str(s)[:10], e and str(e)[:10]) for d, c, s, e in rows]
        today = local_today().isoformat()
        # The earliest record (2025-05-04) before the account; the audited deactivation, a local day (01:00 on 1 July);
        # a deactivation the log does not know ends the day of the migration.
        assert as_dates == [(1, 1, "2025-05-04", None), (2, 2, "2026-03-01", "2026-07-01"), (4, 1, "2026-03-01", today)]
        starts_at = run(text("SELECT starts_at FROM memberships WHERE deputy_id = 1")).scalar_one()
        assert str(starts_at).startswith("2025-05-03 16:00:00")  # local midnight, as UTC
        db.session.remove()
        db.engine.dispose()


def test_record_numbers_are_filled_in_for_the_records_already_there(make_app):
    """0017 numbers every existing record from its id and starts each counter after them."""
    from sqlalchemy import text

    from portal.evaluations.models import Evaluation
    from portal.numbers import RecordCounter

    app = make_app()
    with app.app_context():
        upgrade(revision="0012b")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, username, name, password_hash, role, active, created_at, session_version, large_text, "
                "password_must_change) VALUES (7, 'zhangsan', '张三', 'x', 'deputy', true, '2025-01-01', 1, false, false)"))
            for row_id, year in ((3, 2024), (9, 2025)):
                connection.execute(text(
                    "INSERT INTO evaluations (id, deputy_id, starts_on, ends_on, satisfied, basically_satisfied, dissatisfied, "
                    f"recorded_by_id, recorded_at, evaluated_on) VALUES ({row_id}, 7, '{year}-01-01', '{year}-12-31', 5, 1, 0, 7, "
                    f"'{year}-12-20', '{year}-12-20')"))
        upgrade()
        assert db.session.execute(db.select(Evaluation.id, Evaluation.number).order_by(Evaluation.id)).all() == [
            (3, "PY-000003"), (9, "PY-000009")]
        assert db.session.get(RecordCounter, "PY").last == 9 and db.session.get(RecordCounter, "YJ").last == 0
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
