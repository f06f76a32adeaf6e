"""四个一 links: item 3 to a practical matter the deputy took part in, item 4 to a suggestion they proposed."""
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.campaigns.models import ChecklistItem, ChecklistRecord, ItemKind, RecordState
from portal.campaigns.services import (
    CampaignFields,
    RecordFields,
    create_campaign,
    linked_records,
    save_record,
    send_back_record,
    verify_record,
)
from portal.errors import ServiceError
from portal.matters.models import MatterState, PracticalMatter
from portal.matters.services import MatterFields, create_matter
from portal.models import Community, Role, User
from portal.opinions.models import Category
from portal.opinions.services import ensure_default_categories
from portal.suggestions.models import Suggestion
from portal.suggestions.services import SuggestionFields, create_suggestion

pytestmark = pytest.mark.postgres

START, END, TODAY = date(2024, 3, 1), date(2024, 12, 31), date(2024, 6, 30)


@pytest.fixture
def world(db, make_user, make_community):
    """Deputies a and b, staff, a current campaign, a's and b's practical matter and suggestion."""
    home = make_community("气象街社区")
    infos = {"a": make_user(Role.DEPUTY, name="夏虹", community_id=home), "b": make_user(Role.DEPUTY, name="王建国"),
             "staff": make_user(Role.STAFF)}
    w = {k: db.session.get(User, v.id) for k, v in infos.items()}
    w["community"] = db.session.get(Community, home)
    w["campaign"] = create_campaign(CampaignFields("“站在新起点，实现科学发展”建言献策活动", START, END, "", True))
    w["items"] = {item.kind: item for item in w["campaign"].items}
    ensure_default_categories()
    category = db.session.scalar(select(Category).limit(1))
    for who in ("a", "b"):
        w[f"matter_{who}"] = create_matter(w["staff"], MatterFields(
            f"{w[who].name}办的实事", "气象街26号楼", w["community"], [w[who]], date(2024, 5, 1), MatterState.DONE, 240))
        w[f"suggestion_{who}"] = create_suggestion(w["staff"], SuggestionFields(
            f"{w[who].name}的建议", "出台优惠政策，鼓励兴建社区服务设施。", category, [w[who]], w["community"]))
    db.session.flush()
    return w


def save(w, kind, matter=None, suggestion=None, who="a", actor=None, **kwargs):
    deputy = w[who]
    fields = RecordFields(date(2024, 5, 2), w["community"].id, "为社区办了一件实事。", "",
                          matter.id if isinstance(matter, PracticalMatter) else matter,
                          suggestion.id if isinstance(suggestion, Suggestion) else suggestion)
    return save_record(actor or deputy, w["items"][kind], deputy, fields, today_=TODAY, **kwargs)


def test_item_3_links_the_deputys_practical_matter_and_item_4_their_suggestion(db, world):
    practical = save(world, ItemKind.PRACTICAL, matter=world["matter_a"])
    reflection = save(world, ItemKind.REFLECTION, suggestion=world["suggestion_a"])
    db.session.expire_all()
    assert practical.practical_matter.title == "夏虹办的实事" and practical.suggestion_id is None
    assert reflection.suggestion.title == "夏虹的建议" and reflection.practical_matter_id is None
    assert [r.id for r in linked_records(practical_matter_id=world["matter_a"].id)] == [practical.id]
    assert [r.id for r in linked_records(suggestion_id=world["suggestion_a"].id)] == [reflection.id]
    assert linked_records(practical_matter_id=world["matter_b"].id) == []


def test_staff_link_on_a_deputys_behalf_to_that_deputys_matter(db, world):
    record = save(world, ItemKind.PRACTICAL, matter=world["matter_a"], actor=world["staff"], on_behalf=True)
    assert record.practical_matter_id == world["matter_a"].id and record.on_behalf
    with pytest.raises(ServiceError) as error:
        save(world, ItemKind.PRACTICAL, matter=world["matter_b"], actor=world["staff"], on_behalf=True)
    assert error.value.field == "practical_matter_id" and "夏虹" in error.value.message


def test_no_link_is_fine(db, world):
    record = save(world, ItemKind.PRACTICAL)
    assert record.practical_matter_id is None and record.suggestion_id is None


@pytest.mark.parametrize(("kind", "link", "field"), [
    (ItemKind.COMMUNITY_DAY, "matter_a", "practical_matter_id"),  # wrong kind, though her own matter
    (ItemKind.REFLECTION, "matter_a", "practical_matter_id"),
    (ItemKind.LECTURE, "suggestion_a", "suggestion_id"),
    (ItemKind.PRACTICAL, "suggestion_a", "suggestion_id"),
    (ItemKind.PRACTICAL, "matter_b", "practical_matter_id"),  # someone else's matter
    (ItemKind.REFLECTION, "suggestion_b", "suggestion_id"),  # someone else's suggestion
])
def test_a_link_on_the_wrong_item_or_to_someone_elses_target_is_refused_at_its_field(db, world, kind, link, field):
    target = world[link]
    with pytest.raises(ServiceError) as error:
        save(world, kind, **({"matter": target} if field == "practical_matter_id" else {"suggestion": target}))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == 0  # nothing half-saved


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"matter": 987654}, "practical_matter_id"),
    ({"suggestion": 987654}, "suggestion_id"),
])
def test_ids_that_do_not_exist_are_refused(db, world, kwargs, field):
    kind = ItemKind.PRACTICAL if field == "practical_matter_id" else ItemKind.REFLECTION
    with pytest.raises(ServiceError) as error:
        save(world, kind, **kwargs)
    assert error.value.field == field


def test_the_upsert_keeps_a_restated_link_and_clears_an_omitted_one(db, world):
    first = save(world, ItemKind.REFLECTION, suggestion=world["suggestion_a"])
    again = save(world, ItemKind.REFLECTION, suggestion=world["suggestion_a"])
    assert again.id == first.id and again.suggestion_id == world["suggestion_a"].id
    cleared = save(world, ItemKind.REFLECTION)
    assert cleared.id == first.id and cleared.suggestion_id is None
    relinked = save(world, ItemKind.REFLECTION, suggestion=world["suggestion_a"])
    assert relinked.suggestion_id == world["suggestion_a"].id
    assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == 1


def test_a_refused_link_leaves_the_stored_record_untouched(db, world):
    record = save(world, ItemKind.PRACTICAL, matter=world["matter_a"])
    db.session.commit()
    with pytest.raises(ServiceError):
        save(world, ItemKind.PRACTICAL, matter=world["matter_b"])
    db.session.rollback()
    assert db.session.get(ChecklistRecord, record.id).practical_matter_id == world["matter_a"].id


def test_a_verified_records_link_cannot_change_until_sent_back(db, world):
    record = save(world, ItemKind.PRACTICAL)
    verify_record(world["staff"], record)
    with pytest.raises(ServiceError):
        save(world, ItemKind.PRACTICAL, matter=world["matter_a"])
    send_back_record(world["staff"], record, "请关联所办实事。")
    record = save(world, ItemKind.PRACTICAL, matter=world["matter_a"])
    assert record.state is RecordState.RECORDED and record.practical_matter_id == world["matter_a"].id


def test_deleting_the_target_only_drops_the_link(db, world):
    record = save(world, ItemKind.PRACTICAL, matter=world["matter_a"])
    db.session.commit()
    db.session.delete(db.session.get(PracticalMatter, world["matter_a"].id))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(ChecklistRecord, record.id)
    assert kept is not None and kept.practical_matter_id is None
    assert db.session.get(ChecklistItem, kept.item_id).kind is ItemKind.PRACTICAL
