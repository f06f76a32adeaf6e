"""The report's 建言献策 story: 69 voter opinions, each submitted to 区委 as a suggestion of its own, 17 adopted (25%)."""
from datetime import date, timedelta

from sqlalchemy import func, select

from ..clock import local_today
from ..extensions import db
from ..models import Role, User
from ..opinions.models import Category, CollectionMethod, Opinion
from ..opinions.services import ensure_default_categories, record_opinion
from ..suggestions.models import ADOPTED_STATES, Suggestion, SuggestionState
from ..suggestions.services import SuggestionFields, create_suggestion, transition

OPINIONS_COLLECTED = 69  # "收集选民意见69条"
ADOPTED = 17  # "69条建言中被区委采纳17条"

# The report's three suggestions, then what the ten deputies who went into communities heard:
# (deputy username, category, how, title, the opinion as voters put it).
REPORT_OPINIONS = [
    ("chenjing", "经济发展", CollectionMethod.VISIT, "采用“双招”模式，招商招人才",
     "建议采用“双招”模式，即招商招人才：每年参加全国的大型人才招聘会，或者直接到国内知名大学选调外省优秀毕业生、学生会干部到机关或推荐到企业工作。"),
    ("xiahong", "社区建设", CollectionMethod.COMMUNITY_DAY, "出台优惠政策，鼓励各类组织兴建社区服务设施",
     "建议出台和完善一系列优惠政策，吸引和鼓励政府机构、社会组织等各类组织投资兴建社区服务设施，发展多种形式的社区服务事业。"),
    ("wumin", "民生发展", CollectionMethod.VISIT, "健全街道养老服务机构，每个社区建立托老所",
     "倡议每个街道都应健全养老服务机构，街道的每个社区都应建立托老所，针对不同生活状态的老人提供不同的服务。"),
]
COMMUNITY_OPINIONS = [
    ("xiahong", "社区建设", "社区活动室面积太小，老年人和孩子的活动时间经常冲突，希望扩建或错时开放。"),
    ("xiahong", "民生发展", "气象街一带缺少便民早餐点，上班族早上买早点不方便。"),
    ("xiahong", "其他", "希望社区公布物业维修基金的使用情况，方便居民监督。"),
    ("wangjianguo", "社区建设", "气象街30-54号路面坑洼不平，雨天积水严重，居民出行不便。"),
    ("wangjianguo", "社区建设", "老旧小区雨污管道经常堵塞，希望列入改造计划。"),
    ("wangjianguo", "民生发展", "部分路灯损坏多日无人维修，夜间出行存在安全隐患。"),
    ("chenjing", "经济发展", "辖区小微企业招工难，希望街道定期举办招聘对接会。"),
    ("chenjing", "社会事业", "建议为失业青年开设职业技能培训班，提高就业能力。"),
    ("wumin", "民生发展", "独居老人无人照看，希望建立定期上门探访制度。"),
    ("wumin", "民生发展", "希望社区卫生服务站增加老年人慢性病随访服务。"),
    ("wumin", "社会事业", "建议组织志愿者为高龄老人提供助餐、助浴服务。"),
    ("xuzhigang", "社区建设", "老旧楼房没有电梯，老人上下楼困难，希望推动加装电梯。"),
    ("xuzhigang", "社区建设", "小区绿地被占用停车，希望重新规划停车位。"),
    ("hubin", "经济发展", "建议盘活辖区闲置厂房，引进文化创意和科技服务企业。"),
    ("hubin", "经济发展", "希望简化个体工商户办证流程，推行一站式服务。"),
    ("hubin", "党的建设", "建议在商务楼宇中建立党群服务站，扩大党组织覆盖面。"),
    ("lixiuying", "社会事业", "希望为困境儿童建立课后托管和心理辅导服务。"),
    ("lixiuying", "党的建设", "建议党员领导干部定期到社区报到，参与社区服务。"),
    ("lixiuying", "民生发展", "残疾人出行不便，希望完善小区无障碍设施。"),
    ("luobin", "经济发展", "建议设立小微企业贷款贴息，缓解融资难问题。"),
    ("luobin", "其他", "希望社区开展防范电信诈骗宣传，特别是针对老年人。"),
    ("yangfan", "社区建设", "垃圾分类投放点设置不合理，清运不及时，夏天气味大。"),
    ("yangfan", "社区建设", "背街小巷环境卫生差，希望增加保洁频次。"),
    ("hanmei", "社会事业", "希望开办妇女儿童之家，开展家庭教育讲座。"),
    ("hanmei", "党的建设", "建议加强社区党组织对业主委员会的指导。"),
    ("hanmei", "民生发展", "希望在社区设立家政服务信息平台，方便居民找到放心的家政人员。"),
]
# Only when no voter meetings supplied the rest of the 69 (this area alone): further opinions as at a meeting.
FURTHER_ISSUES = [
    ("民生发展", "菜市场搬迁后买菜路远，希望设立便民菜店"), ("社区建设", "楼道堆放杂物存在消防隐患，希望集中清理"),
    ("社区建设", "小区围墙破损，希望尽快修补"), ("社会事业", "希望社区图书室延长开放时间"),
    ("民生发展", "公交站台没有遮雨棚，雨天候车不便"), ("社区建设", "小区内电动车充电难，希望增设充电桩"),
    ("其他", "希望加强对流浪犬的管理"), ("经济发展", "建议扶持社区便民商业网点发展"),
]
COLLECTORS = ["xiahong", "wangjianguo", "chenjing", "wumin", "xuzhigang", "hubin", "lixiuying", "luobin", "yangfan", "hanmei"]


def _day(days_ago: int) -> date:
    """A past day this year (never before 1 January, never in the future)."""
    today = local_today()
    return max(today - timedelta(days=days_ago), date(today.year, 1, 1))


def seed_suggestions() -> None:
    """Opinions until there are 69, one suggestion per opinion not yet in one, submitted; 17 adopted."""
    ensure_default_categories()
    users = {u.username: u for u in db.session.scalars(select(User))}
    staff = users.get("staff1") or next(u for u in users.values() if u.has_role(Role.STAFF))
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    titles = {content: title for _u, _c, _m, title, content in REPORT_OPINIONS}
    _collect_opinions(users, staff, categories)
    created = _one_suggestion_per_opinion(staff, titles)
    if created:
        _decide(staff, [t for *_rest, t, _c in REPORT_OPINIONS])


def _collect_opinions(users: dict, staff: User, categories: dict) -> None:
    existing = db.session.scalar(select(func.count()).select_from(Opinion))
    wanted = OPINIONS_COLLECTED - existing
    if wanted <= 0:
        return
    plan = [(u, c, m, content) for u, c, m, _t, content in REPORT_OPINIONS]
    plan += [(u, c, CollectionMethod.COMMUNITY_DAY if i % 2 else CollectionMethod.VISIT, content)
             for i, (u, c, content) in enumerate(COMMUNITY_OPINIONS)]
    communities = sorted({users[u].deputy.community for u in COLLECTORS}, key=lambda c: c.id)
    for i in range(max(0, wanted - len(plan))):
        category, issue = FURTHER_ISSUES[i % len(FURTHER_ISSUES)]
        community = communities[i % len(communities)]
        plan.append((COLLECTORS[i % len(COLLECTORS)], category, CollectionMethod.MEETING, f"{community.name}居民反映：{issue}。"))
    known = set(db.session.scalars(select(Opinion.content)))
    for i, (username, category, method, content) in enumerate(plan[:wanted]):
        if content in known:
            continue
        deputy = users[username]
        # Staff typed up some of them from the deputies' notes: recorded on their behalf.
        actor = staff if i % 3 == 2 else deputy
        record_opinion(actor, deputy, content, deputy.deputy.community, categories[category], _day(240 - i * 3), method,
                       voter_count=3 + (i * 7) % 23)


def _one_suggestion_per_opinion(staff: User, titles: dict) -> list[Suggestion]:
    """Each opinion went to 区委 as a 建言 of its own, as the report tells."""
    unsorted = db.session.scalars(select(Opinion).where(Opinion.suggestion_id.is_(None)).order_by(Opinion.id)).all()
    created = []
    for opinion in unsorted:
        title = titles.get(opinion.content) or opinion.content.split("，")[0].rstrip("。")[:60]
        fields = SuggestionFields(title, opinion.content, opinion.category, [opinion.deputy], opinion.community)
        suggestion = create_suggestion(staff, fields, [opinion.id])
        transition(staff, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT,
                   "经街道人大工委归纳整理，通过建言献策平台上报区委。", on=min(opinion.collected_on + timedelta(days=7), local_today()))
        created.append(suggestion)
    return created


def _decide(staff: User, report_titles: list[str]) -> None:
    """Record 区委's answers: adopt until 17 are adopted (the report's three first); some are implemented."""
    adopted = db.session.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.state.in_(ADOPTED_STATES)))
    pending = db.session.scalars(select(Suggestion).where(Suggestion.state == SuggestionState.SUBMITTED).order_by(Suggestion.id)).all()
    first = sorted(pending, key=lambda s: (s.title not in report_titles, s.id))
    to_adopt = first[: max(0, ADOPTED - adopted)]
    def later(day, days: int):
        return min(day + timedelta(days=days), local_today())

    # 区委 answers three to seven weeks after the submission; implementation follows.
    for i, suggestion in enumerate(to_adopt):
        answered = later(suggestion.submitted_on, 21 + (i * 5) % 28)
        transition(staff, suggestion, SuggestionState.ADOPTED, SuggestionState.SUBMITTED,
                   "区委采纳，已转交相关部门研究落实；已向提出意见的选民反馈。", on=answered)
        if i % 3 != 2:
            started = later(answered, 10)
            transition(staff, suggestion, SuggestionState.IMPLEMENTING, SuggestionState.ADOPTED, "相关部门已制定落实方案。",
                       on=started)
        if i % 3 == 0:
            transition(staff, suggestion, SuggestionState.DONE, SuggestionState.IMPLEMENTING,
                       "已落实完毕，代表回访选民，居民表示满意。", on=later(started, 45))
    # Most of the others were answered as not adopted; a few still await 区委's answer.
    for i, suggestion in enumerate(first[len(to_adopt):]):
        if i % 8 != 7:
            transition(staff, suggestion, SuggestionState.NOT_ADOPTED, SuggestionState.SUBMITTED,
                       "区委答复：暂不具备实施条件，作为今后工作参考；已向选民说明。",
                       on=later(suggestion.submitted_on, 28 + (i * 3) % 30))
