"""Account services: users, deputy profiles, communities, and the all-or-nothing import."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.accounts.importing import import_deputies, read_rows
from portal.accounts.memberships import memberships_of
from portal.accounts.services import (
    DeputyFields,
    create_community,
    create_user,
    role_counts,
    set_active,
    update_community,
    update_user,
)
from portal.clock import local_today
from portal.errors import ServiceError
from portal.models import Community, DeputyProfile, Level, Role, User

pytestmark = pytest.mark.postgres


@pytest.fixture
def community(db):
    c = create_community("气象街社区")
    db.session.commit()
    return c


def deputy_fields(community, **kw):
    return DeputyFields(kw.get("level", Level.CITY), community, kw.get("expertise", "律师"), kw.get("phone", "139-0000 0000"))


def test_create_deputy_with_profile(db, community):
    user = create_user(" XiaHong ", "夏虹", Role.DEPUTY, "password-1", deputy_fields(community))
    db.session.commit()
    assert user.username == "xiahong"
    assert user.deputy.community.name == "气象街社区"
    assert user.deputy.level is Level.CITY
    assert role_counts()[Role.DEPUTY] == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "x"}, "username"),
        ({"username": "bad name"}, "username"),
        ({"name": "  "}, "name"),
        ({"password": "short"}, "password"),
        ({"deputy": None}, "level"),
        ({"phone": "abc"}, "phone"),
    ],
)
def test_create_user_refuses_bad_input(db, community, kwargs, field):
    kwargs = dict(kwargs)
    args = {"username": "deputy1", "name": "代表", "password": "password-1", "deputy": deputy_fields(community, phone=kwargs.pop("phone", ""))}
    args.update(kwargs)
    with pytest.raises(ServiceError) as error:
        create_user(args["username"], args["name"], Role.DEPUTY, args["password"], args["deputy"])
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_deputy_needs_a_community(db):
    with pytest.raises(ServiceError) as error:
        create_user("deputy1", "代表", Role.DEPUTY, "password-1", DeputyFields(Level.CITY, None))
    assert error.value.field == "community"


def test_usernames_are_unique(db, community):
    create_user("staff1", "甲", Role.STAFF, "password-1")
    with pytest.raises(ServiceError, match="已被使用"):
        create_user("STAFF1", "乙", Role.STAFF, "password-1")


def test_role_change_ends_and_starts_a_membership_and_keeps_the_profile(db, community):
    today = local_today()
    user = create_user("someone", "某人", Role.DEPUTY, "password-1", deputy_fields(community), member_from=date(2020, 1, 1))
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        update_user(user, "someone", "某人", Role.STAFF)
    assert refused.value.field == "effective_on"
    update_user(user, "someone", "某人", Role.STAFF, effective_on=today)
    db.session.commit()
    assert user.deputy is not None  # kept for the records of the days they were a deputy
    assert [(m.starts_on, m.ends_on) for m in memberships_of(user.id)] == [(date(2020, 1, 1), today - timedelta(days=1))]
    update_user(user, "someone", "某人", Role.DEPUTY, deputy_fields(community, level=Level.DISTRICT), effective_on=today)
    db.session.commit()
    assert user.deputy.level is Level.DISTRICT
    assert [(m.starts_on, m.ends_on) for m in memberships_of(user.id)][-1] == (today, None)


def test_admin_cannot_deactivate_themselves(db):
    admin = create_user("admin", "主任", Role.ADMIN, "password-1")
    other = create_user("staff", "员工", Role.STAFF, "password-1")
    with pytest.raises(ServiceError):
        set_active(admin, admin, False)
    set_active(admin, other, False)
    assert other.active is False and not other.is_active


def test_admin_counts_as_staff(db):
    admin = create_user("admin", "主任", Role.ADMIN, "password-1")
    staff = create_user("staff", "员工", Role.STAFF, "password-1")
    assert admin.has_role(Role.STAFF) and admin.has_role(Role.ADMIN)
    assert staff.has_role(Role.STAFF) and not staff.has_role(Role.ADMIN)
    assert not staff.has_role(Role.DEPUTY)


def test_community_names_are_unique(db, community):
    with pytest.raises(ServiceError, match="已存在"):
        create_community(" 气象街社区 ")
    other = create_community("东风社区")
    with pytest.raises(ServiceError):
        update_community(other, "气象街社区", True)
    update_community(other, "东风社区", False)
    assert other.active is False


CSV = """用户名,姓名,级别,社区,专业,电话,初始密码
zhangsan,张三,区,气象街社区,教师,13900000001,password-1
lisi,李四,市,气象街社区,律师,,
"""


def test_import_csv_creates_every_row(db, community):
    result = import_deputies(read_rows("deputies.csv", CSV.encode("utf-8")))
    db.session.commit()
    assert result.errors == []
    assert [u.username for u, _ in result.created] == ["zhangsan", "lisi"]
    generated = dict((u.username, p) for u, p in result.created)
    assert generated["zhangsan"] is None and len(generated["lisi"]) >= 8
    assert db.session.scalar(select(func.count()).select_from(DeputyProfile)) == 2


def test_import_reports_every_bad_row_and_imports_nothing(db, community):
    create_user("taken", "已有", Role.STAFF, "password-1")
    db.session.commit()
    bad = CSV + """taken,王五,区,气象街社区,,,password-1
zhaoliu,赵六,省,气象街社区,,,password-1
qianqi,钱七,区,不存在社区,,,password-1
zhangsan,张三二,区,气象街社区,,,password-1
sunba,,区,气象街社区,,,password-1
"""
    result = import_deputies(read_rows("deputies.csv", bad.encode("utf-8")))
    db.session.commit()
    lines = {e.line: e.reason for e in result.errors}
    assert set(lines) == {4, 5, 6, 7, 8}
    assert "已被使用" in lines[4]
    assert "省" in lines[5]
    assert "不存在社区" in lines[6]
    assert "第 2 行" in lines[7]
    assert "名称" in lines[8]
    assert result.created == []
    assert db.session.scalar(select(func.count()).select_from(DeputyProfile)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_import_reads_gbk_csv_and_xlsx(db, community):
    rows = read_rows("d.csv", CSV.encode("gb18030"))
    assert rows[0] == (2, {"username": "zhangsan", "name": "张三", "level": "区", "community": "气象街社区",
                            "expertise": "教师", "phone": "13900000001", "password": "password-1"})
    book = Workbook()
    sheet = book.active
    sheet.append(["username", "name", "level", "community"])
    sheet.append(["wangwu", "王五", "district", "气象街社区"])
    sheet.append([None, None, None, None])
    sheet.append(["zhaoliu", "赵六", "市", "气象街社区"])
    data = io.BytesIO()
    book.save(data)
    rows = read_rows("d.xlsx", data.getvalue())
    assert [line for line, _ in rows] == [2, 4]
    result = import_deputies(rows)
    assert result.errors == [] and len(result.created) == 2


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [("d.txt", b"x", ".csv"), ("d.csv", b"", "空"), ("d.csv", "姓名,社区\n".encode(), "缺少"), ("d.xlsx", b"not a zip", "XLSX")],
)
def test_import_refuses_unreadable_files(db, filename, data, message):
    with pytest.raises(ServiceError) as error:
        read_rows(filename, data)
    assert message in error.value.message
    assert error.value.field == "file"


def test_import_of_an_empty_table_says_so(db, community):
    result = import_deputies(read_rows("d.csv", "用户名,姓名,级别,社区\n".encode()))
    assert result.errors[0].line == 1
    assert db.session.scalar(select(func.count()).select_from(Community)) == 1
