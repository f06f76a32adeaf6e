"""District-scale data in seconds: bulk Core inserts straight into the tables, not the UI services.

`generate(Scale(...))` fills a migrated, empty database inside an app context. The shape follows the
issue: active deputies spread over communities, a year of closed meetings with full rosters and
about 90 % marked, one meeting running now, the current campaign's 四个一 records for about 60 % of
deputy × item pairs, opinions and suggestions across every state, a 实事 for every three deputies and
this year's evaluations of half of them. Deterministic (seeded).
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select

from portal.auth.services import hash_password
from portal.campaigns.models import Campaign, ChecklistItem, ChecklistRecord, ItemKind, RecordState
from portal.clock import local_day_start, local_today
from portal.extensions import db
from portal.evaluations.models import Evaluation
from portal.matters.models import MatterState, PracticalMatter, practical_matter_deputies
from portal.meetings.models import Attendance, AttendanceStatus, MarkSource, Meeting, MeetingKind, MeetingRoster
from portal.models import Community, DeputyProfile, Level, Membership, Role, Term, User
from portal.meetings.services import ensure_default_meeting_kinds
from portal.opinions.models import Category, CollectionMethod, Opinion
from portal.opinions.services import ensure_default_categories
from portal.suggestions.models import Suggestion, SuggestionState, suggestion_deputies

PASSWORD = "bench-pass-1"
STAFF_USERNAME = "bench-staff"
DEPUTY_USERNAME = "deputy0001"
BATCH = 5000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红梅海燕雪晨阳帆斌峰佳东"
TOPICS = ["老人", "停车", "加装电梯", "路灯", "垃圾分类", "菜市场", "学校", "公交", "物业", "噪音", "绿化", "养老"]
ITEMS = [
    (ItemKind.COMMUNITY_DAY, "体验一天"),
    (ItemKind.LECTURE, "上一堂课"),
    (ItemKind.PRACTICAL, "办一件实事"),
    (ItemKind.REFLECTION, "写一篇心得"),
]
# The closed suggestions' states, weighted: most reached the district, about half of those adopted.
SUGGESTION_STATES = (
    [SuggestionState.DRAFT] * 2 + [SuggestionState.SUBMITTED] * 3 + [SuggestionState.ADOPTED] * 2
    + [SuggestionState.NOT_ADOPTED] * 2 + [SuggestionState.IMPLEMENTING] + [SuggestionState.DONE]
)


@dataclass(frozen=True)
class Scale:
    """How big a district to build."""

    deputies: int = 600
    communities: int = 20
    meetings: int = 100
    marked: float = 0.9
    records: float = 0.6
    opinions: int = 5000
    suggestions: int = 1000
    years: int = 1  # of meetings: `meetings` a year, the older years' closed and marked alike


DISTRICT = Scale()
HISTORY = Scale(years=10)
TINY = Scale(deputies=30, communities=3, meetings=3, opinions=60, suggestions=15)
TINY_HISTORY = Scale(deputies=30, communities=3, meetings=3, opinions=60, suggestions=15, years=3)


@dataclass
class Generated:
    """The ids a benchmark needs: the running meeting and the two logins."""

    meeting_id: int
    staff_id: int
    deputy_id: int
    deputy_ids: list[int]


def _insert(model_or_table, rows: list[dict]) -> None:
    table = getattr(model_or_table, "__table__", model_or_table)
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])


def _name(rng: random.Random, index: int) -> str:
    return rng.choice(SURNAMES) + GIVEN[index % len(GIVEN)] + (GIVEN[(index * 7) % len(GIVEN)] if index % 3 else "")


def generate(scale: Scale = DISTRICT, seed: int = 14) -> Generated:
    """Fill the empty database of the current app context (migrated, or made by create_all) and commit."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = local_today()
    password_hash = hash_password(PASSWORD)  # the portal's method, so a login costs what it costs in production

    _insert(Community, [{"id": i + 1, "name": f"第{i + 1:02d}社区", "active": True} for i in range(scale.communities)])
    users = [
        {"id": 1, "username": "bench-admin", "name": "管理员", "role": Role.ADMIN, "active": True},
        {"id": 2, "username": STAFF_USERNAME, "name": "工作人员", "role": Role.STAFF, "active": True},
    ]
    deputy_ids = list(range(3, 3 + scale.deputies))
    users += [
        {"id": uid, "username": f"deputy{n + 1:04d}", "name": _name(rng, n), "role": Role.DEPUTY, "active": True}
        for n, uid in enumerate(deputy_ids)
    ]
    for user in users:
        user.update(password_hash=password_hash, created_at=now)
    _insert(User, users)
    community_of = {uid: n % scale.communities + 1 for n, uid in enumerate(deputy_ids)}
    _insert(DeputyProfile, [
        {"user_id": uid, "level": Level.CITY if n % 5 == 0 else Level.DISTRICT, "community_id": community_of[uid],
         "expertise": "", "phone": f"139{n:08d}"}
        for n, uid in enumerate(deputy_ids)
    ])
    member_from = today - timedelta(days=2 * 365)  # deputies of a term begun before the year of records below
    _insert(Term, [{"id": 1, "name": "第十八届", "starts_on": member_from, "ends_on": member_from + timedelta(days=5 * 365)}])
    _insert(Membership, [
        {"deputy_id": uid, "community_id": community_of[uid], "term_id": 1, "starts_on": member_from,
         "starts_at": local_day_start(member_from)}
        for uid in deputy_ids
    ])

    ensure_default_meeting_kinds()  # the migrations insert them; a schema from create_all() has none
    ensure_default_categories()
    kind_ids = list(db.session.scalars(select(MeetingKind.id).order_by(MeetingKind.position)))
    category_ids = list(db.session.scalars(select(Category.id).order_by(Category.position)))
    meetings, roster, marks = [], [], []
    statuses = [AttendanceStatus.PRESENT] * 12 + [AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY,
                                                   AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT]
    held = scale.meetings * scale.years
    for m in range(held + 1):
        running = m == held
        starts = now - timedelta(minutes=30) if running else now - timedelta(days=3 + (360 * m) // max(scale.meetings, 1) + 5 * (m // max(scale.meetings, 1)))
        meeting_id = m + 1
        meetings.append({
            "id": meeting_id, "kind_id": kind_ids[m % len(kind_ids)], "title": f"第{m + 1}次代表活动",
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "place": "街道会议室", "community_id": None,
            "notes": "", "answers": "", "closed": not running, "created_by_id": 2, "created_at": starts - timedelta(days=7),
            "closed_by_id": None if running else 2, "closed_at": None if running else starts + timedelta(hours=2),
            "board_version": 0,
        })
        marked = scale.marked / 2 if running else scale.marked
        for uid in deputy_ids:
            roster.append({"meeting_id": meeting_id, "deputy_id": uid})
            if rng.random() < marked:
                status = rng.choice(statuses)
                marks.append({
                    "meeting_id": meeting_id, "deputy_id": uid, "status": status, "source": MarkSource.STAFF,
                    "reason": "出差" if status is AttendanceStatus.EXCUSED else "", "marked_by_id": 2,
                    "marked_at": (at := starts + timedelta(minutes=rng.randrange(0, 40))), "tapped_at": at,
                    "version": 0,
                })
        if running:  # its marks came one by one: each raised the board's version, as a tablet's tap does
            for version, mark in enumerate((mark for mark in marks if mark["meeting_id"] == meeting_id), start=1):
                mark["version"] = meetings[-1]["board_version"] = version
    _insert(Meeting, meetings)
    _insert(MeetingRoster, roster)
    _insert(Attendance, marks)

    db.session.execute(insert(Campaign.__table__), [{
        "id": 1, "name": "建言献策活动", "starts_on": date(today.year, 1, 1), "ends_on": date(today.year, 12, 31),
        "plan": "", "is_current": True, "created_at": now,
    }])
    _insert(ChecklistItem, [
        {"id": i + 1, "campaign_id": 1, "position": i, "kind": kind, "title": title, "description": "", "retired": False}
        for i, (kind, title) in enumerate(ITEMS)
    ])
    records = []
    for uid in deputy_ids:
        for item_id in range(1, len(ITEMS) + 1):
            if rng.random() < scale.records:
                state = rng.choice([RecordState.RECORDED, RecordState.RECORDED, RecordState.VERIFIED, RecordState.RETURNED])
                records.append({
                    "item_id": item_id, "deputy_id": uid, "done_on": today - timedelta(days=rng.randrange(0, 200)),
                    "community_id": community_of[uid], "account": "走访居民，听取意见。", "reflection": "",
                    "state": state, "recorded_by_id": uid, "on_behalf": False, "review_note": "",
                    "verified_by_id": 2 if state is RecordState.VERIFIED else None,
                    "verified_at": now if state is RecordState.VERIFIED else None, "created_at": now, "updated_at": now,
                })
    _insert(ChecklistRecord, records)

    suggestions, proposers = [], []
    for s in range(scale.suggestions):
        # the first two deputies (the bench's deputy and the tests') propose one suggestion in every state
        every = list(SuggestionState)
        state = every[s // 2] if s < 2 * len(every) else rng.choice(SUGGESTION_STATES)
        submitted = None if state is SuggestionState.DRAFT else today - timedelta(days=rng.randrange(0, 365))
        suggestions.append({
            "id": s + 1, "title": f"关于{rng.choice(TOPICS)}问题的建议{s + 1}", "content": "建议有关部门研究解决。",
            "category_id": rng.choice(category_ids), "community_id": rng.randrange(1, scale.communities + 1),
            "state": state, "submitted_on": submitted, "created_by_id": 2, "created_at": now,
        })
        chosen = rng.sample(deputy_ids, rng.choice([1, 1, 2]))
        if s < 2 * len(every) and deputy_ids[s % 2] not in chosen:
            chosen[0] = deputy_ids[s % 2]
        for uid in chosen:
            proposers.append({"suggestion_id": s + 1, "deputy_id": uid})
    _insert(Suggestion, suggestions)
    _insert(suggestion_deputies, proposers)

    opinions = []
    methods = list(CollectionMethod)
    for o in range(scale.opinions):
        uid = rng.choice(deputy_ids)
        opinions.append({
            "content": f"居民反映{rng.choice(TOPICS)}方面的问题，希望尽快解决（{o + 1}）。", "community_id": community_of[uid],
            "category_id": rng.choice(category_ids), "deputy_id": uid, "collected_on": today - timedelta(days=rng.randrange(0, 365)),
            "method": rng.choice(methods), "voter_names": "", "voter_count": rng.randrange(1, 6), "recorded_by_id": uid,
            "on_behalf": False, "created_at": now,
            "suggestion_id": rng.randrange(1, scale.suggestions + 1) if scale.suggestions and rng.random() < 0.3 else None,
            "meeting_id": None,
        })
    _insert(Opinion, opinions)

    matters, involved, evaluations = [], [], []
    for m in range(scale.deputies // 3):  # a 实事 for every three deputies
        state = rng.choice(list(MatterState))
        done = today - timedelta(days=rng.randrange(0, 300)) if state is MatterState.DONE else today + timedelta(days=30)
        matters.append({
            "id": m + 1, "title": f"{rng.choice(TOPICS)}实事{m + 1}", "location": "", "community_id": rng.randrange(1, scale.communities + 1),
            "started_on": None if state is MatterState.PLANNED else done - timedelta(days=20), "done_on": done,
            "state": state, "beneficiaries": rng.randrange(10, 300), "description": "", "recorded_by_id": 2, "created_at": now,
        })
        for uid in rng.sample(deputy_ids, 2):
            involved.append({"matter_id": m + 1, "deputy_id": uid})
    for uid in deputy_ids[::2]:  # half the deputies have been evaluated this year
        satisfied = rng.randrange(10, 40)
        evaluations.append({
            "deputy_id": uid, "starts_on": date(today.year, 1, 1), "ends_on": date(today.year, 12, 31),
            "satisfied": satisfied, "basically_satisfied": rng.randrange(0, 10), "dissatisfied": rng.randrange(0, 3),
            "recorded_by_id": 2, "recorded_at": now, "evaluated_on": today - timedelta(days=rng.randrange(0, 60)),
        })
    _insert(PracticalMatter, matters)
    _insert(practical_matter_deputies, involved)
    _insert(Evaluation, evaluations)
    db.session.commit()
    _reset_sequences()
    _points()
    db.session.commit()
    return Generated(held + 1, 2, deputy_ids[0], deputy_ids)


def _points() -> None:
    """Points rules (a half, a negative, a cap) and last quarter published (publication 1), through the services."""
    from portal.periods import last_quarter
    from portal.points.models import DutyKind
    from portal.points.services import Weight, publish_quarter, save_rules

    weights = {kind: Weight(Decimal(2)) for kind in DutyKind}
    weights.update({DutyKind.OPINION: Weight(Decimal("0.5"), Decimal(5)), DutyKind.MEETING_ABSENT: Weight(Decimal(-2))})
    save_rules(db.session.get(User, 1), date(2000, 1, 1), weights)
    publish_quarter(db.session.get(User, 2), last_quarter().start)


def session_id(user_id: int) -> str:
    """What Flask-Login keeps in the session for this user (id and session version); in an app context."""
    return db.session.get(User, user_id).get_id()


def _reset_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids written by hand, so the portal can insert after us."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Community, User, Meeting, Attendance, Campaign, ChecklistItem, ChecklistRecord, Suggestion, Opinion,
                  PracticalMatter, Evaluation):
        table = model.__tablename__
        top = db.session.scalar(select(func.max(model.id)))
        db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :top)"), {"top": top or 1})
    db.session.commit()


def main() -> None:
    """`python -m bench.generate [deputies]`: migrate and fill DATABASE_URL (or instance/portal.db)."""
    import sys
    import time

    from flask_migrate import upgrade

    from portal import create_app

    deputies = int(sys.argv[1]) if len(sys.argv) > 1 else DISTRICT.deputies
    app = create_app()
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        generate(Scale(deputies=deputies))
        print(f"generated {deputies} deputies in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
