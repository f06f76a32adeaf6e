"""The demo's campaigns: this year's 建言献策活动, where 10 deputies have gone into communities, and last year's."""
from datetime import date, timedelta

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..matters.models import PracticalMatter
from ..models import User
from ..pinyin import pinyin_username
from ..suggestions.models import Suggestion
from ..campaigns.models import Campaign, ChecklistRecord, ItemKind, RecordState
from ..campaigns.services import (
    CampaignFields,
    RecordFields,
    create_campaign,
    current_campaign,
    find_record,
    save_record,
    send_back_record,
    verify_record,
)
from .people import DEPUTIES

CURRENT_NAME = "“站在新起点，实现科学发展”建言献策活动"
PAST_NAME = "“服务民生、促进和谐”建言献策活动"

PLAN = """时间：{year}年全年，集中活动安排在3月至11月。
内容：围绕区委的中心工作，以“四个一”活动为载体开展建言献策：每位代表到社区体验一天社区干部生活或做一天社区志愿者；结合自己的专业知识给社区干部和居民上一堂专业知识课，或组织社区干部居民搞一次有意义的活动；为社区办一件实事，或为群众协调解决一条建议和要求；通过进社区写一篇心得体会或一份高质量的代表建议。
程序：一、制定工作方案，召开人大街工委工作会议动员部署；二、代表深入社区，耐心听取选民意见并认真记录；三、归纳整理选民意见，通过建言献策平台上报区委；四、街工委核实“四个一”完成情况，年底总结。"""

# (deputy index in DEPUTIES, item kind, account, verified?) — the first ten rows are the ten deputies
# who went into communities (the report's figure); the rest are other deputies at other stages.
CURRENT_RECORDS = [
    (0, ItemKind.COMMUNITY_DAY, "在气象街社区跟班体验社区干部一天工作，走访独居老人6户。", True),
    (1, ItemKind.COMMUNITY_DAY, "随社区干部巡查气象街30-54号路面破损情况，听取沿街居民意见。", True),
    (2, ItemKind.COMMUNITY_DAY, "在社区做一天志愿者，参与青少年课后托管服务。", True),
    (5, ItemKind.COMMUNITY_DAY, "在东风社区服务站接待居民来访，收集就业方面的意见。", True),
    (6, ItemKind.COMMUNITY_DAY, "在东风社区体验一天，参与调解一起邻里纠纷。", False),
    (10, ItemKind.COMMUNITY_DAY, "在和平里社区养老驿站做一天志愿者。", True),
    (11, ItemKind.COMMUNITY_DAY, "随社区干部走访老旧小区，了解加装电梯的诉求。", False),
    (15, ItemKind.COMMUNITY_DAY, "在新华社区体验社区干部生活一天，参加居民议事会。", False),
    (20, ItemKind.COMMUNITY_DAY, "在春晖社区做一天志愿者，协助开展反诈宣传。", False),
    (25, ItemKind.COMMUNITY_DAY, "在长青社区体验一天，走访困难家庭4户。", False),
    (0, ItemKind.LECTURE, "为社区干部讲授“社区社会组织培育”专题课。", True),
    (0, ItemKind.PRACTICAL, "协调为气象街26号楼居民安装健身器材。", False),
    (0, ItemKind.REFLECTION, "撰写心得《走进社区，做选民的贴心人》，交流体会。", False),
    (1, ItemKind.PRACTICAL, "协调市政对气象街30-54号路面进行了修复。", True),
    (2, ItemKind.LECTURE, "为社区青少年上了一堂安全教育课。", False),
    (5, ItemKind.LECTURE, "组织社区居民开展就业政策宣讲活动。", False),
    (7, ItemKind.LECTURE, "为物业和业主代表讲解物业管理条例。", False),
    (12, ItemKind.LECTURE, "组织辖区小学开展“小手拉大手”环保活动。", False),
    (16, ItemKind.PRACTICAL, "为居民协调解决楼道照明损坏问题。", False),
]
RETURNED = (13, ItemKind.LECTURE, "给社区讲了一堂课。", "请补充课程题目和听课人数。")
ON_BEHALF = (20, ItemKind.LECTURE, "为社区居民讲授家庭理财与防范非法集资知识（纸质登记表）。")

PAST_RECORDS = [
    (0, ItemKind.COMMUNITY_DAY, "在气象街社区体验社区干部一天工作。"),
    (1, ItemKind.COMMUNITY_DAY, "在气象街社区做一天志愿者。"),
    (5, ItemKind.COMMUNITY_DAY, "在东风社区服务站接待居民。"),
    (0, ItemKind.REFLECTION, "撰写心得《代表要常进社区》。"),
]


def _deputy(index: int) -> User:
    return db.session.scalar(select(User).where(User.username == pinyin_username(DEPUTIES[index][0])))


def _item(campaign: Campaign, kind: ItemKind):
    return next(item for item in campaign.items if item.kind is kind)


REFLECTION_TEXT = (
    "这次体验让我真正走进了社区、走近了选民。社区干部每天面对的是居民的柴米油盐，"
    "选民最关心的是家门口的路、楼里的灯和身边的老人孩子。作为代表，只有常进社区、"
    "耐心倾听、认真记录，才能把群众的意见带上去，把实事办下来。"
)


def _record(campaign: Campaign, actor: User, deputy: User, kind: ItemKind, account: str, day: date, on_behalf=False):
    reflection = REFLECTION_TEXT if kind is ItemKind.REFLECTION else ""
    fields = RecordFields(day, deputy.deputy.community_id, account, reflection)
    return save_record(actor, _item(campaign, kind), deputy, fields, on_behalf=on_behalf, today_=max(day, local_today()))


def seed_campaigns() -> None:
    """Add last year's and this year's campaigns with their records, unless they exist."""
    staff = db.session.scalar(select(User).where(User.username == "staff1"))
    year = local_today().year
    if db.session.scalar(select(Campaign.id).where(Campaign.name == PAST_NAME)) is None:
        past = create_campaign(CampaignFields(PAST_NAME, date(year - 1, 3, 1), date(year - 1, 12, 31),
                                              PLAN.format(year=year - 1), is_current=True))
        for n, (index, kind, account) in enumerate(PAST_RECORDS):
            deputy = _deputy(index)
            verify_record(staff, _record(past, deputy, deputy, kind, account, date(year - 1, 5, 10) + timedelta(days=7 * n)))
    if db.session.scalar(select(Campaign.id).where(Campaign.name == CURRENT_NAME)) is not None:
        return
    starts = date(year, 1, 1)
    campaign = create_campaign(CampaignFields(CURRENT_NAME, starts, date(year, 12, 31), PLAN.format(year=year), is_current=True))
    last = local_today()

    def day(n: int) -> date:  # spread over the weeks so far, never in the future
        return max(starts, min(last, starts + timedelta(days=60 + 9 * n)))

    for n, (index, kind, account, verified) in enumerate(CURRENT_RECORDS):
        deputy = _deputy(index)
        record = _record(campaign, deputy, deputy, kind, account, day(n))
        if verified:
            verify_record(staff, record)
    index, kind, account, note = RETURNED
    deputy = _deputy(index)
    send_back_record(staff, _record(campaign, deputy, deputy, kind, account, day(3)), note)
    index, kind, account = ON_BEHALF
    _record(campaign, staff, _deputy(index), kind, account, day(5), on_behalf=True)


# The 四个一 records that name what they were about, once the matters and suggestions exist:
# (deputy username, item kind, title of the practical matter or suggestion).
LINKS = [
    ("xiahong", ItemKind.PRACTICAL, "在气象街26号楼为居民安装了健身器材"),
    ("wangjianguo", ItemKind.PRACTICAL, "协调市政对气象街30-54号路面进行了修复"),
    ("xiahong", ItemKind.REFLECTION, "出台优惠政策，鼓励各类组织兴建社区服务设施"),
]
LINK_NOTE = "请关联所办实事，便于核实。"


def seed_checklist_links() -> None:
    """Link this year's item 3 and item 4 records to their practical matter or suggestion (runs after those seeders).

    The deputy re-saves their record with the link; a record staff had verified is first sent back
    for it and verified again, as the office would do.
    """
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == CURRENT_NAME))
    if campaign is None or campaign is not current_campaign():
        return
    staff = db.session.scalar(select(User).where(User.username == "staff1"))
    for username, kind, title in LINKS:
        deputy = db.session.scalar(select(User).where(User.username == username))
        record = find_record(_item(campaign, kind), deputy.id) if deputy else None
        if record is None or record.practical_matter_id or record.suggestion_id:
            continue
        model = PracticalMatter if kind is ItemKind.PRACTICAL else Suggestion
        target = db.session.scalar(select(model).where(model.title == title).order_by(model.id).limit(1))
        if target is None or deputy not in target.deputies:
            continue  # only a deputy who took part may link it
        _link(record, deputy, staff, target)


def _link(record: ChecklistRecord, deputy: User, staff: User, target) -> None:
    verified = record.state is RecordState.VERIFIED
    if verified:
        send_back_record(staff, record, LINK_NOTE)
    fields = RecordFields(record.done_on, record.community_id, record.account, record.reflection,
                          target.id if isinstance(target, PracticalMatter) else None,
                          target.id if isinstance(target, Suggestion) else None)
    record = save_record(deputy, record.item, deputy, fields, today_=max(record.done_on, local_today()))
    if verified:
        verify_record(staff, record)
