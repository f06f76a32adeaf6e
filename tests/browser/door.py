"""The door screen's street, shared by its browser tests: thirty deputies of one community and two staff."""
from portal.accounts.services import DeputyFields, create_community, create_user
from portal.meetings.services import ensure_default_meeting_kinds
from portal.models import Level, Role, User

PASSWORD = "browser-pass-1"
NAMES = ("夏虹 王建国 李秀英 张伟 刘洋 陈静 杨帆 赵磊 黄敏 周杰 吴霞 徐涛 孙丽 马超 朱琳 "
         "胡军 郭颖 何平 高峰 林芳 罗斌 梁红 宋佳 郑凯 谢娜 韩雪 唐亮 冯雷 董洁 萧然").split()


def door_street() -> tuple[User, list[int]]:
    """In an app context: 气象街社区 with its thirty deputies (their ids), staff1 (returned) and staff2, meeting kinds."""
    community = create_community("气象街社区")
    ids = [create_user(f"deputy{n:02d}", name, Role.DEPUTY, PASSWORD, DeputyFields(Level.DISTRICT, community, "", "")).id
           for n, name in enumerate(NAMES)]
    staff = create_user("staff1", "刘红", Role.STAFF, PASSWORD)
    create_user("staff2", "王芳", Role.STAFF, PASSWORD)
    ensure_default_meeting_kinds()
    return staff, ids
