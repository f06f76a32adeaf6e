"""Demo meetings: a year of every kind with realistic, closed attendance, one meeting running now for the
tablet screen, and voter meetings and visits whose 40 opinions join the suggestions area's 29 to make the
report's 69. Idempotent: nothing is added once the demo meetings exist."""
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from ..clock import to_local, to_utc
from .people import DEPUTIES, went_into_communities_usernames
from ..extensions import db
from ..models import Community, User, utcnow
from ..accounts.services import active_deputies
from ..opinions.services import active_categories, ensure_default_categories
from ..meetings.models import Attendance, AttendanceChange, AttendanceStatus, MarkSource, Meeting, Reply
from ..meetings.notices import reply_to_meeting
from ..meetings.marks import mark_attendance
from ..meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
)
from ..meetings.voter_meetings import add_meeting_opinion, save_voter_log

TODAY_TITLE = "本月工委工作会议"
LEAVE_REASONS = ["出差", "病假", "单位工作冲突", "家中有事", "外出学习", "参加区人大常委会会议"]
PLACES = {"工委工作会议": "街道办事处三楼会议室", "培训学习": "街道党群服务中心报告厅", "集中活动": "街道文化广场"}

# (content, category) — what voters raised, in the categories of the report.
OPINIONS = [
    ("气象街30-54号路面坑洼，雨天积水，希望尽快修复", "社区建设"),
    ("26号楼前空地希望安装健身器材，方便老人锻炼", "民生发展"),
    ("小区停车位严重不足，晚上车辆占用消防通道", "社区建设"),
    ("希望在社区开办老年食堂，解决独居老人吃饭难", "民生发展"),
    ("老旧小区加装电梯的审批流程太复杂，希望简化", "社区建设"),
    ("菜市场周边占道经营严重，影响通行", "社区建设"),
    ("希望社区卫生服务站延长周末门诊时间", "社会事业"),
    ("楼道照明灯长期损坏，夜间出行不安全", "社区建设"),
    ("小学放学时段校门口交通拥堵，建议增派交通协管", "社会事业"),
    ("建议增设垃圾分类督导员，提高分类准确率", "社区建设"),
    ("沿街小商户希望减免部分租金，帮助渡过难关", "经济发展"),
    ("希望街道多组织招聘会，帮助失业人员再就业", "经济发展"),
    ("建议对辖区闲置厂房进行改造，引进小微企业", "经济发展"),
    ("希望为个体工商户提供政策咨询和办证指导", "经济发展"),
    ("建议在社区党员中开展结对帮扶困难家庭活动", "党的建设"),
    ("希望社区党组织定期公开党费使用和活动情况", "党的建设"),
    ("建议流动党员纳入社区党组织管理，参加组织生活", "党的建设"),
    ("希望加强对居民区物业公司的监督，提高服务质量", "社区建设"),
    ("二次供水水箱清洗不及时，自来水有异味", "民生发展"),
    ("冬季供暖温度不达标，部分住户室温偏低", "民生发展"),
    ("希望社区增设儿童游乐设施和托管服务", "社会事业"),
    ("建议开设老年人智能手机使用培训班", "社会事业"),
    ("社区图书室开放时间太短，希望晚上也能开放", "社会事业"),
    ("希望在公交站增设候车座椅和遮雨棚", "民生发展"),
    ("建议对低保家庭的认定标准和名单进行公示", "民生发展"),
    ("小区门口违章搭建的棚子影响消防安全", "社区建设"),
    ("希望加强夜间治安巡逻，近期有电动车被盗", "社区建设"),
    ("建议设置集中充电桩，避免电动车在楼道充电", "社区建设"),
    ("希望为残疾人出行修建无障碍坡道", "民生发展"),
    ("社区周边餐馆油烟扰民，希望督促安装净化设备", "其他"),
    ("广场舞音响声音太大，影响居民休息", "其他"),
    ("流浪猫狗数量增多，希望有关部门处理", "其他"),
    ("建议在社区开展防范电信诈骗宣传", "社会事业"),
    ("希望街道协调解决房屋产权证办理遗留问题", "其他"),
    ("建议利用社区空地建设便民菜店", "经济发展"),
    ("希望组织退休党员参加社区志愿服务", "党的建设"),
    ("道路两侧树木多年未修剪，遮挡路灯和窗户", "社区建设"),
    ("希望增加社区医生上门服务的次数", "社会事业"),
    ("建议为高龄老人安装紧急呼叫设备", "民生发展"),
    ("小区雨污管道老化，经常返味堵塞", "社区建设"),
]

# Opinions per voter meeting (one per community) and per visit: 6×5 + 6 visits (2,2,2,2,1,1) = 40.
VOTER_MEETING_OPINIONS = 5
VISIT_OPINIONS = [2, 2, 2, 2, 1, 1]


def _users_by_name() -> dict[str, User]:
    return {u.name: u for u in active_deputies()}


def _staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.username.in_(["staff1", "staff2", "staff3"])).order_by(User.username)))


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return to_utc(datetime.combine(day, time(hour, minute)))


def _mark_realistically(rng: random.Random, meeting: Meeting, staff: User, reliability: dict[int, float]) -> None:
    """Most come, some late or leaving early, a few on leave with a reason, the odd one absent."""
    for entry in list(meeting.roster):
        deputy = entry.deputy
        roll = rng.random()
        sure = reliability[deputy.id]
        if roll < sure:
            status = AttendanceStatus.PRESENT if rng.random() < 0.85 else rng.choice([AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY])
        elif roll < sure + (1 - sure) * 0.6:
            status = AttendanceStatus.EXCUSED
        else:
            status = AttendanceStatus.ABSENT
        if status is AttendanceStatus.PRESENT and rng.random() < 0.3:
            mark_attendance(deputy, meeting, deputy.id, status, source=MarkSource.SELF_CHECKIN)
        else:
            reason = rng.choice(LEAVE_REASONS) if status is AttendanceStatus.EXCUSED else ""
            mark_attendance(staff, meeting, deputy.id, status, reason)
    # The marks were taken at the meeting, not today.
    marked_at = meeting.starts_at + timedelta(minutes=rng.randint(0, 15))
    db.session.execute(update(Attendance).where(Attendance.meeting_id == meeting.id)
                       .values(marked_at=marked_at, tapped_at=marked_at))
    db.session.execute(update(AttendanceChange).where(AttendanceChange.meeting_id == meeting.id)
                       .values(changed_at=marked_at, tapped_at=marked_at))


def seed_meetings() -> None:
    """A year of meetings of every kind, one meeting running now, 40 opinions from voter meetings and visits."""
    if db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    ensure_default_meeting_kinds()
    ensure_default_categories()
    rng = random.Random(2026)
    kinds = {k.name: k for k in meeting_kinds()}
    staff = _staff()
    deputies = active_deputies()
    if not staff or not deputies:
        return
    reliability = {d.id: rng.uniform(0.72, 0.98) for d in deputies}
    communities = list(db.session.scalars(select(Community).where(Community.active).order_by(Community.id)))
    categories = {c.name: c for c in active_categories()}
    ten = went_into_communities_usernames()
    by_community = {c.id: [d for d in deputies if d.deputy.community_id == c.id] for c in communities}
    today = to_local(utcnow()).date()
    first_month = date(today.year - 1, today.month, 1)

    def month_day(offset: int, day: int) -> date:
        year, month = first_month.year + (first_month.month - 1 + offset) // 12, (first_month.month - 1 + offset) % 12 + 1
        return date(year, month, min(day, 28))

    plan = []  # (day, kind name, title, hour, hours, community, roster)
    for offset in range(12):
        plan.append((month_day(offset, 8), "工委工作会议", f"{month_day(offset, 1).month}月工委工作会议", 9, 2, None, None))
    for offset, topic in [(1, "代表履职能力培训"), (4, "《代表法》专题学习"), (7, "预算审查监督培训"), (10, "建议撰写方法培训")]:
        plan.append((month_day(offset, 18), "培训学习", topic, 14, 3, None, None))
    for offset, topic in [(2, "代表进社区集中接待日"), (6, "“站在新起点”建言献策集中活动"), (9, "代表视察老旧小区改造")]:
        plan.append((month_day(offset, 22), "集中活动", topic, 9, 3, None, None))
    for index, community in enumerate(communities[:6]):
        # Voter meetings and visits fall in this year, the campaign's year, so their opinions count in its figures.
        plan.append((date(today.year, 1 + index * 2, 15), "代表与选民见面会", f"{community.name}代表与选民见面会", 19, 2,
                     community, by_community[community.id]))
    for index, community in enumerate(communities[:6]):
        # Visits are made by the deputies who went into communities, so opinions come from those ten.
        pair = [d for d in by_community[community.id] if d.username in ten][:2] or by_community[community.id][1:3]
        plan.append((date(today.year, (2, 4, 6, 8, 10, 11)[index], 10), "走访", f"走访{community.name}居民", 15, 2, community, pair))

    opinions = iter(OPINIONS)
    visit_counts = iter(VISIT_OPINIONS)
    for day, kind_name, title, hour, hours, community, roster in sorted(plan, key=lambda item: item[0]):
        if day >= today:
            continue  # the year that is over; today's meeting follows
        clerk = rng.choice(staff)
        meeting = create_meeting(clerk, MeetingFields(
            kinds[kind_name], title, _local(day, hour), _local(day, hour + hours),
            place=PLACES.get(kind_name, f"{community.name}居委会活动室" if community else ""), community=community,
            notes="会议按议程进行，与会代表围绕议题进行了讨论。" if kind_name == "工委工作会议" else "",
        ), [d.id for d in roster] if roster else None)
        # The deputies on a visit are the ones who made it: they were there.
        _mark_realistically(rng, meeting, clerk, {d.id: 1.0 for d in deputies} if kind_name == "走访" else reliability)
        if kinds[kind_name].voter_log:
            count = VOTER_MEETING_OPINIONS if kind_name == "代表与选民见面会" else next(visit_counts)
            save_voter_log(meeting, rng.randint(25, 60) if kind_name == "代表与选民见面会" else rng.randint(3, 12),
                           "对居民提出的问题当场作了解释，其余已转交街道有关科室办理，并将在下次见面会上反馈办理结果。")
            takers = [entry.deputy for entry in meeting.roster if entry.deputy.username in ten] or [
                entry.deputy for entry in meeting.roster
            ]
            for number in range(count):
                content, category = next(opinions)
                add_meeting_opinion(clerk, meeting, takers[number % len(takers)], content, categories[category])
        close_meeting(clerk, meeting)
        meeting.closed_at = meeting.ends_at
    _seed_todays_meeting(kinds, staff)
    db.session.flush()


def _seed_todays_meeting(kinds, staff: list[User]) -> None:
    """An open work meeting running now: the tablet screen and the QR code can be tried at once."""
    now = utcnow()
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=20)
    meeting = create_meeting(staff[0], MeetingFields(
        kinds["工委工作会议"], TODAY_TITLE + "（今日）", start, start + timedelta(hours=3), place=PLACES["工委工作会议"]))
    for entry in list(meeting.roster)[:6]:
        mark_attendance(staff[0], meeting, entry.deputy_id, AttendanceStatus.PRESENT)


# Meetings to come, with the deputies' answers: (days ahead, kind, title, hour, hours).
COMING = [(7, "工委工作会议", "下月工委工作会议", 9, 2), (14, "培训学习", "代表履职能力培训（第二期）", 14, 3)]
# Deputies (by index in people.DEPUTIES) who answered: attend, or leave with a reason.
ANSWERS = {1: ("attend", ""), 2: ("attend", ""), 5: ("leave", "出差"), 10: ("leave", "单位工作冲突"), 15: ("attend", "")}


def seed_meeting_notices() -> None:
    """Two meetings to come with every deputy on the roster; some deputies have answered, 夏虹 not yet."""
    if db.session.scalar(select(Meeting.id).where(Meeting.title == COMING[0][2])) is not None:
        return
    staff = _staff()
    if not staff:
        return
    kinds = {k.name: k for k in meeting_kinds()}
    deputies = _users_by_name()
    today = to_local(utcnow()).date()
    for days, kind_name, title, hour, hours in COMING:
        day = today + timedelta(days=days)
        meeting = create_meeting(staff[0], MeetingFields(
            kinds[kind_name], title, _local(day, hour), _local(day, hour + hours), place=PLACES[kind_name]))
        for index, (reply, reason) in ANSWERS.items():
            deputy = deputies.get(DEPUTIES[index][0])
            if deputy is not None:
                reply_to_meeting(deputy, meeting, Reply(reply), reason)
