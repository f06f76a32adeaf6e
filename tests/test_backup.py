"""`flask backup` and `flask restore`: a snapshot taken while a writer is busy restores every row."""
import pytest
from flask_migrate import stamp
from sqlalchemy import create_engine, insert, inspect, select, text

from portal import create_app
from portal.extensions import db
from portal.models import Community

from . import conftest


def _all_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key."""
    with app.app_context():
        with db.engine.connect() as connection:
            rows = {}
            for name in inspect(connection).get_table_names():
                table = db.metadata.tables.get(name)
                if table is None:  # alembic_version
                    rows[name] = sorted(connection.execute(text(f"SELECT * FROM {name}")).all())
                    continue
                order = list(table.primary_key.columns)
                rows[name] = [tuple(row) for row in connection.execute(select(table).order_by(*order)).all()]
        db.engine.dispose()
        return rows


@pytest.fixture
def other_url(db_backend, request, tmp_path):
    """A second, empty database on the same backend: where the backup is restored."""
    if db_backend == "postgresql":
        return conftest.create_pg_database(request.getfixturevalue("postgres_server"))
    return f"sqlite:///{tmp_path / 'restored.db'}"


def _stored_files(app) -> dict[str, bytes]:
    """Every evidence file the database names, read from the app's storage."""
    from portal.evidence.models import Attachment
    from portal.storage import storage

    with app.app_context():
        attachments = db.session.scalars(select(Attachment)).all()
        files = {key: storage().get(key) for a in attachments for key in (a.key, a.thumb_key) if key}
        db.session.remove()
        return files


@pytest.mark.postgres
@pytest.mark.xdist_group("demo")  # the demo street's tests share a worker, which builds it once per database
def test_backup_while_writing_restores_every_row(app, demo, other_url, tmp_path):
    app.config.update(BACKUP_KEEP=2)
    with app.app_context():
        from portal.models import SubmissionKey, User
        from portal.settings import set_committee_name

        # The demo street's schema is the models' (tests/test_migrations.py holds them equal to the migrations'):
        # marked as migrated, as `make run` leaves it.
        stamp()
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        db.session.add(SubmissionKey(key="backup-test-key", user_id=admin_id, url="/opinions/1"))  # no demo makes one
        set_committee_name("气象街街道人大工委")  # the demo leaves the name for the admin to set
        db.session.commit()
    before = _all_rows(app)
    empty = [name for name, rows in before.items() if not rows]
    assert empty == [], f"tables without data: {empty}"

    # A writer holds an open write transaction while the backup runs; it commits afterwards.
    writer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with writer.connect() as busy:
        busy.execute(insert(Community).values(name="备份时写入", active=True))
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
        busy.commit()
    writer.dispose()
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    written = next(tmp_path.glob("portal-*"))
    assert str(written.resolve()) in result.output
    files = _stored_files(app)
    assert len(files) >= 8  # the demo's photos, their thumbnails and the answer letter

    restored_app = create_app(conftest.test_config(SQLALCHEMY_DATABASE_URI=other_url, EVIDENCE_DIR=str(tmp_path / "restored")))
    runner = restored_app.test_cli_runner()
    result = runner.invoke(args=["restore", str(written)])
    assert result.exit_code == 0, result.output
    assert "as this code expects" in result.output
    after = _all_rows(restored_app)
    assert after == before  # every row, and not the row written during the backup
    assert _stored_files(restored_app) == files  # and every file, in a storage that was empty

    # Now the database holds data: restoring over it needs --force.
    result = runner.invoke(args=["restore", str(written)])
    assert result.exit_code != 0
    assert "--force" in result.output
    result = runner.invoke(args=["restore", "--force", str(written)])
    assert result.exit_code == 0, result.output
    assert _all_rows(restored_app) == before
    with restored_app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_backup_keeps_the_newest(app, tmp_path):
    app.config.update(BACKUP_DIR=str(tmp_path / "backups"), BACKUP_KEEP=2)
    runner = app.test_cli_runner()
    outputs = [runner.invoke(args=["backup"]).output for _ in range(3)]
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(kept) == 2
    assert "Removed the older backup" in outputs[2]
    assert all(name.startswith("portal-") and name.endswith(".tar") for name in kept)


def test_restore_checks_every_files_hash(app, client, login, make_user, tmp_path):
    """A file changed inside the archive (or one added to it) refuses the whole restore, before the database is touched."""
    import io
    import tarfile

    from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, save_record
    from portal.clock import local_today
    from portal.evidence.models import AttachmentRole, OwnerKind
    from portal.evidence.services import Upload, attach_files
    from portal.models import Role, User

    from .evidence_files import jpeg

    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"))
    deputy = make_user(Role.DEPUTY)
    with app.app_context():
        today = local_today()
        campaign = create_campaign(CampaignFields("活动", today, today, "", True))
        person = db.session.get(User, deputy.id)
        record = save_record(person, campaign.items[0], person, RecordFields(today, deputy.community_id, "体验一天"))
        attach_files(person, OwnerKind.RECORD, record, AttachmentRole.PHOTO, [Upload("a.jpg", jpeg())])
        db.session.commit()
    runner = app.test_cli_runner()
    good = tmp_path / "good.tar"
    assert runner.invoke(args=["backup", str(good)]).exit_code == 0
    with tarfile.open(good) as archive:
        members = [(member, archive.extractfile(member).read()) for member in archive.getmembers()]
    assert sorted(m.name.split("/")[0] for m, _data in members) == ["database.sqlite3", "files", "files", "manifest.json"]

    def tampered(name: str, change) -> str:
        path = tmp_path / name
        with tarfile.open(path, "w") as archive:
            for member, data in change(members):
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))
        return str(path)

    photo = lambda m: m.name.startswith("files/") and m.name.endswith(".jpg") and len(m.name) == 6 + 3 + 68  # noqa: E731
    changed = tampered("changed.tar", lambda ms: [(m, d[:-2] + b"\0\0" if photo(m) else d) for m, d in ms])
    extra = tarfile.TarInfo("files/ab/" + "ab" * 32 + ".jpg")
    added = tampered("added.tar", lambda ms: [*ms, (extra, b"x")])
    rows = _all_rows(app)
    for archive, reason in ((changed, "does not match its SHA-256"), (added, "differ from its manifest")):
        result = runner.invoke(args=["restore", "--force", archive])
        assert result.exit_code != 0 and reason in result.output
    assert _all_rows(app) == rows
    result = runner.invoke(args=["restore", "--force", str(good)])
    assert result.exit_code == 0, result.output


def test_restore_refuses_a_backup_from_newer_code(app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        db.session.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
        db.session.commit()
    target = tmp_path / "newer.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", "--force", str(target)])
    assert result.exit_code != 0
    assert "newer than this code" in result.output


@pytest.mark.postgres
def test_backups_are_readable_by_the_portal_only(app, tmp_path):
    """Files 0600 in a 0700 folder, whatever the umask, by default, into a folder, and as a file name."""
    import os
    import stat

    app.config.update(BACKUP_DIR=str(tmp_path / "backups"))
    runner = app.test_cli_runner()
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    umask = os.umask(0o022)
    try:
        for args in (["backup"], ["backup", str(shared)], ["backup", str(tmp_path / "one.backup")]):
            assert runner.invoke(args=args).exit_code == 0
    finally:
        os.umask(umask)
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "backups") == mode(shared) == 0o700
    files = [*(tmp_path / "backups").iterdir(), *shared.iterdir(), tmp_path / "one.backup"]
    assert len(files) == 3 and all(mode(path) == 0o600 for path in files)
    assert "UMask=0077" in open("deploy/portal-backup.service").read()
