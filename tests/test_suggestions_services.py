"""Suggestions: the transition table per role, gathering (conflicts, races), optimistic concurrency, drafts."""

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.errors import ServiceError
from portal.extensions import db as _db
from portal.models import Community, Role, User
from portal.opinions.models import CollectionMethod, Opinion
from portal.opinions.services import (
    active_categories,
    ensure_default_categories,
    record_opinion,
)
from portal.permissions import can_edit_suggestion, can_transition
from portal.suggestions.models import Suggestion, SuggestionEvent, SuggestionState
from portal.suggestions.services import (
    SuggestionFields,
    allowed_next_states,
    create_suggestion,
    gather,
    release,
    suggestions_of,
    transition,
    update_suggestion,
)

pytestmark = pytest.mark.postgres

S = SuggestionState
# Written out here, not read from the code: who may take which step.
STAFF_STEPS = {(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.ADOPTED), (S.SUBMITTED, S.NOT_ADOPTED),
               (S.ADOPTED, S.IMPLEMENTING), (S.IMPLEMENTING, S.DONE)}
EXPECTED_STEPS = {"proposer": {(S.DRAFT, S.SUBMITTED)}, "other": set(), "staff": STAFF_STEPS, "admin": STAFF_STEPS}
# How to bring a fresh draft into each state (by staff).
PATHS = {S.DRAFT: [], S.SUBMITTED: [S.SUBMITTED], S.ADOPTED: [S.SUBMITTED, S.ADOPTED],
         S.NOT_ADOPTED: [S.SUBMITTED, S.NOT_ADOPTED], S.IMPLEMENTING: [S.SUBMITTED, S.ADOPTED, S.IMPLEMENTING],
         S.DONE: [S.SUBMITTED, S.ADOPTED, S.IMPLEMENTING, S.DONE]}


@pytest.fixture
def people(db, make_user, make_community):
    community = make_community("气象街社区")
    infos = {"proposer": make_user(Role.DEPUTY, community_id=community), "other": make_user(Role.DEPUTY),
             "staff": make_user(Role.STAFF), "admin": make_user(Role.ADMIN)}
    ensure_default_categories()
    people = {k: db.session.get(User, v.id) for k, v in infos.items()}
    people["community"] = db.session.get(Community, community)
    return people


def opinion(people, content="希望增设老年食堂", deputy="proposer"):
    return record_opinion(people[deputy], people[deputy], content, people["community"], active_categories()[3],
                          local_today(), CollectionMethod.VISIT, voter_count=5)


def draft(people, title="增设社区老年食堂", opinions=(), by="proposer", deputies=None):
    fields = SuggestionFields(title, "建议在气象街社区增设老年食堂", active_categories()[3],
                              deputies if deputies is not None else [people["proposer"]])
    return create_suggestion(people[by], fields, [o.id for o in opinions])


def bring_to(people, suggestion, state):
    for to in PATHS[state]:
        transition(people["staff"], suggestion, to, suggestion.state, "")
    assert suggestion.state is state


@pytest.mark.parametrize("role", ["proposer", "other", "staff", "admin"])
def test_transition_table_every_pair_for_every_role(db, people, role):
    """Every (from, to) pair: allowed steps move and leave an event; all others are refused and change nothing."""
    for frm in S:
        for to in S:
            suggestion = draft(people, title=f"建言 {frm.value}-{to.value}")
            bring_to(people, suggestion, frm)
            db.session.commit()
            events = len(suggestion.events)
            allowed = (frm, to) in EXPECTED_STEPS[role]
            assert can_transition(people[role], suggestion, to) is allowed, (role, frm, to)
            if allowed:
                event = transition(people[role], suggestion, to, frm, "区委答复：采纳")
                db.session.commit()
                assert suggestion.state is to
                assert (event.actor_id, event.from_state, event.to_state, event.note) == (people[role].id, frm, to, "区委答复：采纳")
            else:
                with pytest.raises(ServiceError):
                    transition(people[role], suggestion, to, frm, "不应记录")
                db.session.rollback()
                db.session.refresh(suggestion)
                assert suggestion.state is frm, (role, frm, to)
                assert len(suggestion.events) == events


def test_allowed_next_states_are_what_the_page_offers(db, people):
    suggestion = draft(people)
    assert allowed_next_states(people["proposer"], suggestion) == [S.SUBMITTED]
    assert allowed_next_states(people["other"], suggestion) == []
    bring_to(people, suggestion, S.SUBMITTED)
    assert allowed_next_states(people["proposer"], suggestion) == []
    assert allowed_next_states(people["staff"], suggestion) == [S.ADOPTED, S.NOT_ADOPTED]
    assert suggestion.submitted_on == local_today()


def test_a_stale_state_is_refused_without_touching_the_database(db, people):
    suggestion = draft(people)
    bring_to(people, suggestion, S.SUBMITTED)
    with pytest.raises(ServiceError) as error:
        transition(people["staff"], suggestion, S.IMPLEMENTING, S.ADOPTED)
    assert "已上报" in error.value.message


def test_two_staff_deciding_at_once_move_the_suggestion_only_once(app, db, people):
    """Staff A loaded the page while staff B adopted it; A's "not adopted" is refused by the WHERE state = expected."""
    suggestion = draft(people)
    bring_to(people, suggestion, S.SUBMITTED)
    db.session.commit()
    suggestion_id, staff_b_id = suggestion.id, people["admin"].id
    assert suggestion.state is S.SUBMITTED  # what staff A's page shows

    with app.app_context():  # staff B, in another session, decides first
        other = _db.session.get(Suggestion, suggestion_id)
        transition(_db.session.get(User, staff_b_id), other, S.ADOPTED, S.SUBMITTED, "区委采纳")
        _db.session.commit()
        _db.session.remove()

    assert suggestion.state is S.SUBMITTED  # A's copy is stale
    with pytest.raises(ServiceError) as error:
        transition(people["staff"], suggestion, S.NOT_ADOPTED, S.SUBMITTED, "区委未采纳")
    assert "已采纳" in error.value.message
    db.session.rollback()
    assert db.session.get(Suggestion, suggestion_id).state is S.ADOPTED
    steps = db.session.scalars(select(SuggestionEvent.to_state).where(SuggestionEvent.suggestion_id == suggestion_id)).all()
    assert steps == [S.DRAFT, S.SUBMITTED, S.ADOPTED]


def test_gathering_an_opinion_of_another_suggestion_is_refused_naming_it(db, people):
    first, second = opinion(people), opinion(people, "小区路灯损坏，夜间出行不便")
    draft(people, "增设社区老年食堂", [first])
    db.session.commit()
    other = draft(people, "修复小区路灯", [second])
    db.session.commit()
    with pytest.raises(ServiceError) as error:
        gather(people["staff"], other, [first.id])
    assert "增设社区老年食堂" in error.value.message and error.value.field == "opinions"
    db.session.rollback()
    assert db.session.get(Opinion, first.id).suggestion.title == "增设社区老年食堂"
    assert [o.id for o in db.session.get(Suggestion, other.id).opinions] == [second.id]


def test_a_refused_gathering_leaves_no_half_saved_suggestion(db, people):
    taken, free = opinion(people), opinion(people, "希望增加社区停车位")
    draft(people, "增设社区老年食堂", [taken])
    db.session.commit()
    with pytest.raises(ServiceError):
        draft(people, "停车与食堂", [free, taken], by="staff")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 1
    assert db.session.get(Opinion, free.id).suggestion_id is None


def test_gathering_is_claimed_in_the_database_not_from_a_stale_read(app, db, people):
    """A's copy of the opinion says it is free, but B gathered it meanwhile: the UPDATE ... IS NULL refuses A."""
    shared = opinion(people)
    mine, theirs = draft(people, "甲建言"), draft(people, "乙建言", by="staff")
    db.session.commit()
    assert shared.suggestion_id is None
    ids = (shared.id, theirs.id, people["staff"].id)
    with app.app_context():
        gather(_db.session.get(User, ids[2]), _db.session.get(Suggestion, ids[1]), [ids[0]])
        _db.session.commit()
        _db.session.remove()
    with pytest.raises(ServiceError) as error:
        gather(people["proposer"], mine, [shared.id])
    assert "乙建言" in error.value.message


def test_gathering_counts_voters_and_sets_the_community(db, people):
    suggestion = draft(people, opinions=[opinion(people), opinion(people, "希望增加社区停车位")])
    assert len(suggestion.opinions) == 2 and suggestion.voters == 10
    assert suggestion.community_id == people["community"].id
    release(people["proposer"], suggestion, suggestion.opinions[0].id)
    assert len(suggestion.opinions) == 1


def test_only_a_draft_is_edited_and_only_by_its_proposers_or_staff(db, people):
    suggestion = draft(people)
    assert can_edit_suggestion(people["proposer"], suggestion) and can_edit_suggestion(people["staff"], suggestion)
    assert not can_edit_suggestion(people["other"], suggestion)
    with pytest.raises(ServiceError):
        gather(people["other"], suggestion, [opinion(people).id])
    fields = SuggestionFields("新标题", "新内容", active_categories()[0], [people["proposer"]])
    with pytest.raises(ServiceError):
        update_suggestion(people["other"], suggestion, fields)
    update_suggestion(people["proposer"], suggestion, fields)
    assert suggestion.title == "新标题"
    bring_to(people, suggestion, S.SUBMITTED)
    assert not can_edit_suggestion(people["staff"], suggestion)
    with pytest.raises(ServiceError):
        update_suggestion(people["staff"], suggestion, fields)


def test_a_deputys_draft_is_always_their_own(db, people):
    suggestion = draft(people, by="other", deputies=[])
    assert [d.id for d in suggestion.deputies] == [people["other"].id]
    with pytest.raises(ServiceError) as error:
        draft(people, by="staff", deputies=[])
    assert error.value.field == "deputies"
    with pytest.raises(ServiceError) as error:
        draft(people, by="staff", deputies=[people["staff"]])
    assert error.value.field == "deputies"


@pytest.mark.parametrize(("title", "content", "field"), [(" ", "内容", "title"), ("标题", "", "content"), ("长" * 201, "内容", "title")])
def test_bad_input_names_the_field(db, people, title, content, field):
    with pytest.raises(ServiceError) as error:
        create_suggestion(people["proposer"], SuggestionFields(title, content, active_categories()[0], []))
    assert error.value.field == field


def test_suggestions_of_a_deputy_are_what_they_may_link(db, people):
    own = draft(people)
    joint = draft(people, "联名建言", by="staff", deputies=[people["proposer"], people["other"]])
    draft(people, "别人的建言", by="other", deputies=[])
    assert {s.id for s in suggestions_of(people["proposer"].id)} == {own.id, joint.id}
    assert {s.title for s in suggestions_of(people["other"].id)} == {"联名建言", "别人的建言"}
