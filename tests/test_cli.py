"""The command-line tasks."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Community, DeputyProfile, Level, Role, User


def counts(app):
    with app.app_context():
        return {
            role: db.session.scalar(select(func.count()).select_from(User).where(User.role == role, User.active)) for role in Role
        } | {"communities": db.session.scalar(select(func.count()).select_from(Community)),
             "former deputies": db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.DEPUTY, ~User.active))}


@pytest.mark.postgres
@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
def test_seed_demo_builds_a_street_and_is_idempotent(app, demo, runner):
    """The street `seed_demo` built (the shared demo world; `make run` seeds an empty database in tests/test_server.py),
    and the command run on it again adds nothing and lists the logins."""
    first = counts(app)
    result = runner.invoke(args=["seed-demo", "--password", "demo-pass-1"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "xiahong" in result.output
    assert first[Role.ADMIN] == 1 and first[Role.STAFF] == 3 and first[Role.DEPUTY] == 30
    assert first["former deputies"] == 3  # the previous term's, not re-elected
    assert first["communities"] >= 4
    with app.app_context():
        levels = dict(db.session.execute(select(DeputyProfile.level, func.count()).group_by(DeputyProfile.level)).all())
        assert levels[Level.CITY] > 0 and levels[Level.DISTRICT] > 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(app) == first
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in result.output and counts(app) == first
    client = app.test_client()
    assert client.post("/login", data={"username": "xiahong", "password": "demo-pass-1"}).headers["Location"] == "/me"


def test_create_admin(app, runner):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--name", "主任"], input="password-1\npassword-1\n")
    assert result.exit_code == 0, result.output
    assert counts(app)[Role.ADMIN] == 1
    result = runner.invoke(args=["create-admin", "--username", "boss", "--name", "主任"], input="password-1\npassword-1\n")
    assert result.exit_code != 0 and "已被使用" in result.output


def test_import_deputies_command(app, runner, tmp_path, make_community):
    make_community("气象街社区")
    good = tmp_path / "good.csv"
    good.write_text("用户名,姓名,级别,社区\nzhangsan,张三,区,气象街社区\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("用户名,姓名,级别,社区\nlisi,李四,省,气象街社区\n", encoding="utf-8")
    result = runner.invoke(args=["import-deputies", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    assert counts(app)[Role.DEPUTY] == 0
    result = runner.invoke(args=["import-deputies", str(good)])
    assert result.exit_code == 0 and "zhangsan" in result.output and "password:" in result.output
    assert counts(app)[Role.DEPUTY] == 1
