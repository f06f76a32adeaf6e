"""The demo street's people: communities, accounts, the two terms and the names the other demo modules share."""
from datetime import date, timedelta

from sqlalchemy import select

from ..accounts.services import DeputyFields, create_community, create_user, update_user
from ..accounts.terms import start_term
from ..auth.services import hash_password
from ..clock import local_today
from ..extensions import db
from ..models import Community, Level, Role, Term, User
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

# Deputies of the previous term who were not re-elected: their memberships ended on its last day.
FORMER_DEPUTIES = [
    ("孔祥瑞", Level.DISTRICT, 1, "退休教师"),
    ("邓文华", Level.CITY, 3, "工程师"),
    ("田晓燕", Level.DISTRICT, 5, "个体经营"),
]

# The previous term ended on 31 December of last year, the current one began on 1 January (the portal's clock).
PREVIOUS_TERM, CURRENT_TERM = "第十七届", "第十八届"

# 张伟 moved from 气象街社区 to 东风社区 during this year: his figures before the move stay with 气象街社区.
MOVER, MOVED_TO = 3, 1

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
    hashed = hash_password(password)  # one password for every demo account: hashed once

    def ensure(username: str, name: str, role: Role, deputy: DeputyFields | None = None) -> None:
        if username not in existing:
            create_user(username, name, role, password, deputy, password_hash=hashed)
            existing.add(username)
        logins.append((username, role.value, name))

    ensure(ADMIN[0], ADMIN[1], Role.ADMIN)
    for username, name in STAFF:
        ensure(username, name, Role.STAFF)
    this_year = local_today().year
    previous = db.session.scalar(select(Term).where(Term.name == PREVIOUS_TERM))
    if previous is None:
        previous = Term(name=PREVIOUS_TERM, starts_on=date(this_year - 5, 1, 1), ends_on=date(this_year - 1, 12, 31))
        db.session.add(previous)
        db.session.flush()
    for index, (name, level, community, expertise) in enumerate(DEPUTIES + FORMER_DEPUTIES, start=1):
        username = pinyin_username(name)
        if username not in existing:
            fields = DeputyFields(level, communities[COMMUNITIES[community]], expertise, f"139{index:08d}")
            create_user(username, name, Role.DEPUTY, password, fields, member_from=previous.starts_on, term=previous,
                        password_hash=hashed)
            existing.add(username)
        if index <= len(DEPUTIES):
            logins.append((username, Role.DEPUTY.value, name))
    if db.session.scalar(select(Term).where(Term.name == CURRENT_TERM)) is None:
        # The change of term through the portal's own path: the roster re-elects the thirty, the others leave.
        roster = [(line, {"username": pinyin_username(name), "name": name, "level": "市" if level is Level.CITY else "区",
                          "community": COMMUNITIES[community]})
                  for line, (name, level, community, _expertise) in enumerate(DEPUTIES, start=2)]
        start_term(CURRENT_TERM, date(this_year, 1, 1), date(this_year + 4, 12, 31), roster)
    db.session.flush()
    return logins


def seed_moves() -> None:
    """张伟 moves to another community during this year (once): a move with its date, not a rewrite of the past."""
    name, level, _community, expertise = DEPUTIES[MOVER]
    user = db.session.scalar(select(User).where(User.username == pinyin_username(name)))
    community = db.session.scalar(select(Community).where(Community.name == COMMUNITIES[MOVED_TO]))
    if user is None or community is None or user.deputy.community_id == community.id:
        return
    today = local_today()
    moved_on = max(date(today.year, 1, 2), today - timedelta(days=60)) if today > date(today.year, 1, 1) else today
    update_user(user, user.username, user.name, Role.DEPUTY, DeputyFields(level, community, expertise, user.deputy.phone),
                effective_on=moved_on)
