"""The report's practical matters: the road at 气象街30-54号 repaired, fitness equipment at 气象街26号楼."""
from datetime import date, timedelta

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import Community, User
from ..suggestions.models import Suggestion
from ..matters.models import MatterState, PracticalMatter
from ..matters.services import MatterFields, create_matter

# (title, location, deputies, state, days ago, residents, description, suggestion title it answers)
MATTERS = [
    ("协调市政对气象街30-54号路面进行了修复", "气象街30-54号", ["wangjianguo", "xiahong"], MatterState.DONE, 120, 860,
     "路面坑洼积水，居民出行不便。工委主任协调市政部门对路面进行了修复，居民一致认可。", "气象街30-54号路面坑洼不平"),
    ("在气象街26号楼为居民安装了健身器材", "气象街26号楼", ["xiahong", "liuyang"], MatterState.DONE, 90, 240,
     "代表走访时居民反映缺少健身场地，代表协调在楼前空地安装了健身器材。", None),
    ("为春晖社区独居老人建立定期探访制度", "春晖社区", ["wumin"], MatterState.IN_PROGRESS, 30, 45,
     "组织志愿者每周上门探访独居老人。", None),
]


def seed_matters() -> None:
    """The practical matters of the report, once each."""
    users = {u.username: u for u in db.session.scalars(select(User))}
    staff = users["staff1"]
    existing = set(db.session.scalars(select(PracticalMatter.title)))
    community = {c.name: c for c in db.session.scalars(select(Community))}
    for title, location, deputies, state, days_ago, residents, description, answers in MATTERS:
        if title in existing:
            continue
        where = community.get("气象街社区") if location.startswith("气象街") else community.get(location)
        suggestion = db.session.scalar(select(Suggestion).where(Suggestion.title.like(f"{answers}%")).limit(1)) if answers else None
        done_on = max(local_today() - timedelta(days=days_ago), date(local_today().year, 1, 1))
        started_on = min(done_on - timedelta(days=20), local_today()) if state is not MatterState.PLANNED else None
        create_matter(staff, MatterFields(
            title, location, where or users[deputies[0]].deputy.community, [users[u] for u in deputies],
            done_on, state, residents, description,
            suggestion.opinions[0] if suggestion and suggestion.opinions else None, suggestion, started_on,
        ))
