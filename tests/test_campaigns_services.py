"""The rules of campaigns and 四个一 records, on SQLite and PostgreSQL."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.memberships import end_membership
from portal.accounts.services import set_active
from portal.campaigns.models import Campaign, ChecklistRecord, ItemKind, RecordState
from portal.campaigns.services import (
    CampaignFields,
    RecordFields,
    add_item,
    campaign_tallies,
    create_campaign,
    matrix_query,
    matrix_rows,
    move_item,
    save_record,
    send_back_record,
    set_retired,
    update_campaign,
    update_item,
    verify_record,
)
from portal.clock import local_today
from portal.errors import ServiceError
from portal.extensions import db as _db
from portal.models import Level, Role, User

pytestmark = pytest.mark.postgres

START, END, TODAY = date(2024, 3, 1), date(2024, 12, 31), date(2024, 6, 30)


@pytest.fixture
def people(make_user, make_community):
    """Two deputies in one community, a third elsewhere (city level), a staff member."""
    home = make_community("气象街社区")
    return {
        "a": make_user(Role.DEPUTY, community_id=home),
        "b": make_user(Role.DEPUTY, community_id=home),
        "c": make_user(Role.DEPUTY, level=Level.CITY),
        "staff": make_user(Role.STAFF),
        "community": home,
    }


def user(info) -> User:
    from portal.extensions import db

    return db.session.get(User, info.id)


def new_campaign(name="“站在新起点，实现科学发展”建言献策活动", current=True) -> Campaign:
    return create_campaign(CampaignFields(name, START, END, "时间、内容、程序", is_current=current))


def fields(community_id, day=date(2024, 5, 1), account="在社区体验一天。", reflection="") -> RecordFields:
    return RecordFields(day, community_id, account, reflection)


def record(campaign, actor, deputy, community_id, kind=ItemKind.COMMUNITY_DAY, **kwargs):
    item = next(i for i in campaign.items if i.kind is kind)
    return save_record(actor, item, deputy, fields(community_id, **kwargs), today_=TODAY)


def test_a_new_campaign_has_the_four_items_of_the_report_and_is_current(db):
    campaign = new_campaign(current=False)
    assert [(i.position, i.kind, i.title) for i in campaign.items] == [
        (1, ItemKind.COMMUNITY_DAY, "体验一天"),
        (2, ItemKind.LECTURE, "上一堂课 / 搞一次活动"),
        (3, ItemKind.PRACTICAL, "办一件实事 / 解决一条建议"),
        (4, ItemKind.REFLECTION, "写一篇心得 / 一份建议"),
    ]
    assert campaign.is_current  # the first one is current even when not asked


def test_exactly_one_campaign_is_current(db):
    first = new_campaign("第一次")
    second = new_campaign("第二次", current=True)
    assert second.is_current and not first.is_current
    third = new_campaign("第三次", current=False)
    assert not third.is_current
    update_campaign(first, CampaignFields("第一次", START, END, "", is_current=True))
    db.session.refresh(second)
    assert db.session.scalars(select(Campaign.name).where(Campaign.is_current)).all() == ["第一次"]
    with pytest.raises(ServiceError) as error:
        update_campaign(first, CampaignFields("第一次", START, END, "", is_current=False))
    assert error.value.field == "is_current"


def test_the_schema_refuses_two_current_campaigns(db):
    new_campaign("第一次")
    db.session.commit()
    db.session.add(Campaign(name="第二次", starts_on=START, ends_on=END, plan="", is_current=True))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_campaign_period_and_name_are_checked(db):
    with pytest.raises(ServiceError) as error:
        create_campaign(CampaignFields("活动", END, START))
    assert error.value.field == "ends_on"
    with pytest.raises(ServiceError) as error:
        create_campaign(CampaignFields("  ", START, END))
    assert error.value.field == "name"


def test_items_can_be_edited_until_deputies_record_then_only_retired(db, people):
    campaign = new_campaign()
    lecture = campaign.items[1]
    update_item(lecture, ItemKind.LECTURE, "上一堂专业课", "")
    move_item(lecture, -1)
    assert [i.title for i in campaign.items][:2] == ["上一堂专业课", "体验一天"]
    extra = add_item(campaign, ItemKind.OTHER, "参加一次培训")
    assert extra.position == 5
    set_retired(extra, True)
    assert extra not in campaign.active_items and len(campaign.items) == 5

    record(campaign, user(people["a"]), user(people["a"]), people["community"])
    for change in (lambda: update_item(lecture, ItemKind.LECTURE, "改名", ""), lambda: move_item(lecture, 1),
                   lambda: add_item(campaign, ItemKind.OTHER, "新的一项")):
        with pytest.raises(ServiceError, match="开始记录"):
            change()
    set_retired(lecture, True)  # retiring stays possible and keeps its history
    assert lecture.retired


def test_a_campaign_keeps_at_least_one_item(db):
    campaign = new_campaign()
    for item in campaign.items[:-1]:
        set_retired(item, True)
    with pytest.raises(ServiceError):
        set_retired(campaign.items[-1], True)


def test_saving_twice_keeps_one_record_and_edits_it(db, people):
    campaign = new_campaign()
    a = user(people["a"])
    first = record(campaign, a, a, people["community"])
    second = record(campaign, a, a, people["community"], account="改过的记录")
    assert first.id == second.id and second.account == "改过的记录" and second.state is RecordState.RECORDED
    assert second.recorded_by_id == a.id and not second.on_behalf
    assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": date(2024, 7, 1)}, "done_on"),  # after TODAY: in the future
        ({"day": date(2024, 2, 28)}, "done_on"),  # before the campaign
        ({"day": None}, "done_on"),
        ({"account": "   "}, "account"),
        ({"account": "字" * 501}, "account"),
        ({"reflection": "字" * 10001}, "reflection"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(db, people, change, field):
    campaign = new_campaign()
    a = user(people["a"])
    with pytest.raises(ServiceError) as error:
        record(campaign, a, a, people["community"], **change)
    assert error.value.field == field
    assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == 0


def test_date_after_the_campaign_and_missing_community_are_refused(db, people):
    campaign = create_campaign(CampaignFields("短期活动", START, date(2024, 4, 30)))
    a = user(people["a"])
    item = campaign.items[0]
    with pytest.raises(ServiceError) as error:
        save_record(a, item, a, fields(people["community"], day=date(2024, 5, 2)), today_=TODAY)
    assert error.value.field == "done_on" and "2024-04-30" in error.value.message
    with pytest.raises(ServiceError) as error:
        save_record(a, item, a, fields(None, day=date(2024, 4, 2)), today_=TODAY)
    assert error.value.field == "community_id"


def test_who_may_record_for_whom(db, people):
    campaign = new_campaign()
    a, b, staff = user(people["a"]), user(people["b"]), user(people["staff"])
    with pytest.raises(ServiceError):
        record(campaign, a, b, people["community"])  # a deputy never records for another
    with pytest.raises(ServiceError):
        record(campaign, staff, b, people["community"])  # staff only when they say so
    item = campaign.items[0]
    saved = save_record(staff, item, b, fields(people["community"]), on_behalf=True, today_=TODAY)
    assert saved.on_behalf and saved.recorded_by_id == staff.id and saved.deputy_id == b.id


def test_a_closed_campaign_takes_no_records(db, people):
    old = new_campaign("去年")
    new_campaign("今年", current=True)
    a = user(people["a"])
    with pytest.raises(ServiceError):
        record(old, a, a, people["community"])


def test_review_workflow(db, people):
    campaign = new_campaign()
    a, staff = user(people["a"]), user(people["staff"])
    rec = record(campaign, a, a, people["community"])
    with pytest.raises(ServiceError):
        verify_record(a, rec)  # a deputy cannot verify, not even their own
    with pytest.raises(ServiceError) as error:
        send_back_record(staff, rec, "  ")
    assert error.value.field == "note"
    send_back_record(staff, rec, "请补充服务对象。")
    assert rec.state is RecordState.RETURNED and rec.review_note == "请补充服务对象。"
    rec = record(campaign, a, a, people["community"], account="为6户独居老人服务。")
    assert rec.state is RecordState.RECORDED
    verify_record(staff, rec)
    assert rec.state is RecordState.VERIFIED and rec.verified_by_id == staff.id and rec.verified_at is not None
    with pytest.raises(ServiceError):
        verify_record(staff, rec)
    with pytest.raises(ServiceError, match="核实"):
        record(campaign, a, a, people["community"], account="再改一次")
    assert db.session.get(ChecklistRecord, rec.id).account == "为6户独居老人服务。"


def test_two_simultaneous_saves_make_one_record(app, db, people):
    """Two tabs submit the same item at the same moment: both succeed, one row exists."""
    campaign = new_campaign()
    item_id, deputy_id = campaign.items[0].id, people["a"].id
    db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def save(account: str) -> None:
        from portal.campaigns.models import ChecklistItem
        from portal.extensions import db as database

        with app.app_context():
            try:
                deputy = database.session.get(User, deputy_id)
                item = database.session.get(ChecklistItem, item_id)
                barrier.wait(timeout=10)
                save_record(deputy, item, deputy, fields(people["community"], account=account), today_=TODAY)
                database.session.commit()
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=save, args=(f"第{n}个标签页",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(select(ChecklistRecord)).all()
    assert len(rows) == 1 and rows[0].account in {"第1个标签页", "第2个标签页"}


def test_tallies_come_from_the_records(db, people):
    campaign = new_campaign()
    a, b, c, staff = (user(people[k]) for k in ("a", "b", "c", "staff"))
    community = people["community"]
    for kind in ItemKind.COMMUNITY_DAY, ItemKind.LECTURE, ItemKind.PRACTICAL, ItemKind.REFLECTION:
        record(campaign, a, a, community, kind=kind)
    verify_record(staff, record(campaign, b, b, community))
    returned = record(campaign, c, c, community)
    send_back_record(staff, returned, "请补充。")

    tallies = campaign_tallies(campaign)
    assert tallies.deputies == 3
    assert tallies.went_into_communities == 2  # a and b; c's record was sent back
    assert tallies.complete == 1
    first = tallies.items[0]
    assert (first.done, first.verified, first.deputies) == (2, 1, 3)
    assert [t.done for t in tallies.items[1:]] == [1, 1, 1]

    record(campaign, b, b, community, kind=ItemKind.LECTURE)
    record(campaign, b, b, community, kind=ItemKind.PRACTICAL)
    before = campaign_tallies(campaign)
    assert (before.deputies, before.complete) == (3, 1)
    # The campaign has ended: retiring an item or deactivating a deputy today changes none of its figures.
    set_retired(campaign.items[3], True)
    set_active(staff, a, False, effective_on=local_today())
    assert campaign_tallies(campaign) == before
    # An item retired while the campaign ran no longer counts: b now has every counted item.
    campaign.items[3].retired_on = END
    db.session.flush()
    assert campaign_tallies(campaign).complete == 2
    # A deputy whose membership ended before the campaign began was never one of its deputies.
    end_membership(a, START - timedelta(days=1))
    tallies = campaign_tallies(campaign)
    assert (tallies.deputies, tallies.complete, tallies.went_into_communities) == (2, 1, 2)


def rows_of(campaign, **filters):
    """Every line of the matrix with these filters (one page as long as the whole list)."""
    return matrix_rows(campaign, list(_db.session.scalars(matrix_query(campaign, **filters))))


def test_matrix_rows_filter_and_sort(db, people):
    campaign = new_campaign()
    b = user(people["b"])
    record(campaign, b, b, people["community"])
    rows = rows_of(campaign)
    assert len(rows) == 3
    assert [r.profile.user_id for r in rows_of(campaign, sort="-progress")][0] == b.id
    assert [r.profile.user_id for r in rows_of(campaign, sort="progress")][-1] == b.id
    assert {r.profile.user_id for r in rows_of(campaign, community_id=people["community"])} == {people["a"].id, b.id}
    assert [r.profile.user_id for r in rows_of(campaign, level=Level.CITY)] == [people["c"].id]
    row = next(r for r in rows if r.profile.user_id == b.id)
    assert (row.progress.done, row.progress.total) == (1, 4) and campaign.items[0].id in row.records


def test_matrix_and_tallies_take_a_fixed_number_of_queries(db, make_user, people):
    """No query per deputy: ten more deputies cost no more queries (with the figures cache off)."""
    from flask import current_app
    from sqlalchemy import event

    current_app.config["FIGURES_CACHE"] = False

    campaign = new_campaign()
    db.session.commit()  # make_user writes through its own session

    def queries() -> int:
        count = [0]

        def listener(*_args, **_kwargs):
            count[0] += 1

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = rows_of(campaign)
            [(row.profile.name, row.profile.community.name, row.records) for row in rows]
            campaign_tallies(campaign)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return count[0]

    before = queries()
    for _ in range(10):
        make_user(Role.DEPUTY, community_id=people["community"])
    assert queries() == before
