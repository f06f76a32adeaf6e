"""The demo street's people: communities, accounts and the names the other demo modules share."""
from sqlalchemy import select

from ..accounts.services import DeputyFields, create_community, create_user
from ..extensions import db
from ..models import Community, Level, Role, User
from ..pinyin import pinyin_username

COMMUNITIES = ["气象街社区", "东风社区", "和平里社区", "新华社区", "春晖社区", "长青社区"]

# (name, level, community index, expertise) — 8 city and 22 district deputies.
DEPUTIES = [
    ("夏虹", Level.CITY, 0, "社区服务与社会组织"),
    ("王建国", Level.CITY, 0, "市政工程"),
    ("李秀英", Level.DISTRICT, 0, "中学教师"),
    ("张伟", Level.DISTRICT, 0, "个体经营"),
    ("刘洋", Level.DISTRICT, 0, "社区医生"),
    ("陈静", Level.CITY, 1, "人力资源与招聘"),
    ("杨帆", Level.DISTRICT, 1, "律师"),
    ("赵磊", Level.DISTRICT, 1, "物业管理"),
    ("黄丽", Level.DISTRICT, 1, "会计"),
    ("周强", Level.DISTRICT, 1, "退休干部"),
    ("吴敏", Level.CITY, 2, "养老服务"),
    ("徐志刚", Level.DISTRICT, 2, "建筑设计"),
    ("孙丽娟", Level.DISTRICT, 2, "小学校长"),
    ("马军", Level.DISTRICT, 2, "公交驾驶员"),
    ("朱红梅", Level.DISTRICT, 2, "护士"),
    ("胡斌", Level.CITY, 3, "企业管理"),
    ("郭芳", Level.DISTRICT, 3, "社会工作"),
    ("何涛", Level.DISTRICT, 3, "餐饮经营"),
    ("高峰", Level.DISTRICT, 3, "派出所民警"),
    ("林雪", Level.DISTRICT, 3, "文化馆馆员"),
    ("罗斌", Level.CITY, 4, "金融"),
    ("郑海燕", Level.DISTRICT, 4, "幼儿园园长"),
    ("梁晨", Level.DISTRICT, 4, "软件工程师"),
    ("宋佳", Level.DISTRICT, 4, "药剂师"),
    ("谢东", Level.DISTRICT, 4, "环卫管理"),
    ("韩梅", Level.CITY, 5, "妇联工作"),
    ("唐明", Level.DISTRICT, 5, "消防安全"),
    ("冯志远", Level.DISTRICT, 5, "社区民警"),
    ("董丽华", Level.DISTRICT, 5, "图书管理"),
    ("曹阳", Level.DISTRICT, 5, "体育教练"),
]

# The ten deputies who went into communities in the report ("已有10位代表深入社区"): indexes in DEPUTIES.
# The campaign, meeting and opinion seeders all use them, so every figure tells the same story.
WENT_INTO_COMMUNITIES = (0, 1, 2, 5, 6, 10, 11, 15, 20, 25)

STAFF = [("staff1", "刘红"), ("staff2", "王芳"), ("staff3", "陈刚")]
ADMIN = ("admin", "赵主任")


def went_into_communities_usernames() -> set[str]:
    """Usernames of the ten deputies who went into communities."""
    return {pinyin_username(DEPUTIES[index][0]) for index in WENT_INTO_COMMUNITIES}


def seed_accounts(password: str) -> list[tuple[str, str, str]]:
    """The communities, the admin, three staff and thirty deputies."""
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    for name in COMMUNITIES:
        if name not in communities:
            communities[name] = create_community(name)
    existing = set(db.session.scalars(select(User.username)))
    logins = []

    def ensure(username: str, name: str, role: Role, deputy: DeputyFields | None = None) -> None:
        if username not in existing:
            create_user(username, name, role, password, deputy)
            existing.add(username)
        logins.append((username, role.value, name))

    ensure(ADMIN[0], ADMIN[1], Role.ADMIN)
    for username, name in STAFF:
        ensure(username, name, Role.STAFF)
    for index, (name, level, community, expertise) in enumerate(DEPUTIES, start=1):
        phone = f"139{index:08d}"
        ensure(pinyin_username(name), name, Role.DEPUTY, DeputyFields(level, communities[COMMUNITIES[community]], expertise, phone))
    db.session.flush()
    return logins
