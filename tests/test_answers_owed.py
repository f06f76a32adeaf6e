"""Answers owed: the due date of a submitted suggestion, the overdue ones on the staff home, the 回访 on the deputy's."""
from datetime import date, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal.clock import local_today
from portal.extensions import db as _db
from portal.models import Community, Role, User
from portal.opinions.models import Category, CollectionMethod
from portal.opinions.services import record_opinion
from portal.suggestions.models import AnswerFeedback, Suggestion, SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

from .conftest import shared_world

from .racing import post_together

pytestmark = [pytest.mark.postgres, pytest.mark.dates]  # dates: also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)

HTMX = {"HX-Request": "true"}


def build_world(app, make_user, make_community):
    """A's opinion in three suggestions: one overdue (submitted 40 days ago), one due later, one answered; B's in none."""
    home = make_community("东风社区")
    a, b, staff = make_user(Role.DEPUTY, name="张三", community_id=home), make_user(Role.DEPUTY, community_id=home), make_user(Role.STAFF)
    today = local_today()
    ids = {}
    with app.app_context():
        actor, deputy = _db.session.get(User, staff.id), _db.session.get(User, a.id)
        category = Category(name="社区建设")
        _db.session.add(category)
        _db.session.flush()
        for key, submitted in (("late", today - timedelta(days=40)), ("due", today - timedelta(days=5)), ("answered", today - timedelta(days=60))):
            opinion = record_opinion(actor, deputy, f"{key}的意见", _db.session.get(Community, home), category, submitted,
                                     CollectionMethod.VISIT)
            suggestion = create_suggestion(actor, SuggestionFields(f"建言{key}", "内容", category, [deputy]), [opinion.id])
            transition(actor, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, "", on=submitted)
            ids[key] = suggestion.id
        transition(actor, _db.session.get(Suggestion, ids["answered"]), SuggestionState.ADOPTED, SuggestionState.SUBMITTED,
                   "区委已采纳，年内修复路面", on=today - timedelta(days=50))
        _db.session.commit()
    return {"a": a, "b": b, "staff": staff, **ids}


world = shared_world(build_world)


def due_on(app, suggestion_id) -> date:
    with app.app_context():
        return _db.session.get(Suggestion, suggestion_id).answer_due_on


def test_submission_sets_the_due_date_from_the_config(app, world):
    today = local_today()
    assert due_on(app, world["late"]) == today - timedelta(days=40) + timedelta(days=app.config["ANSWER_DUE_DAYS"])
    assert app.config["ANSWER_DUE_DAYS"] == 30


def test_staff_see_the_overdue_first_and_can_move_a_due_date(app, client, login, world):
    login(world["staff"])
    page = client.get("/staff").get_data(as_text=True)
    assert page.index('id="overdue-title"') < page.index('id="committee-figures"')
    assert f'id="overdue-{world["late"]}"' in page and "建言late" in page
    assert f'id="overdue-{world["due"]}"' not in page and f'id="overdue-{world["answered"]}"' not in page
    later = local_today() + timedelta(days=7)
    response = client.post(f"/suggestions/{world['late']}/due", data={"answer_due_on": later.isoformat()})
    assert response.status_code == 302 and due_on(app, world["late"]) == later
    assert f'id="overdue-{world["late"]}"' not in client.get("/staff").get_data(as_text=True)
    # not before the submission
    client.post(f"/suggestions/{world['late']}/due", data={"answer_due_on": "2000-01-01"})
    assert due_on(app, world["late"]) == later


def test_a_long_overdue_list_shows_the_longest_overdue_and_links_to_all_of_them(app, client, login, world):
    """At district scale the staff home lists the first few overdue answers; the link lists every one, and only those."""
    from portal.suggestions.answers import OVERDUE_SHOWN

    today = local_today()
    with app.app_context():
        category = _db.session.scalars(select(Category)).first()
        deputy = _db.session.get(User, world["a"].id)
        for n in range(OVERDUE_SHOWN + 2):
            _db.session.add(Suggestion(
                title=f"逾期{n:02d}", content="内容", category=category, state=SuggestionState.SUBMITTED, deputies=[deputy],
                submitted_on=today - timedelta(days=60 - n), answer_due_on=today - timedelta(days=30 - n),
                created_by_id=world["staff"].id,
            ))
        _db.session.commit()
        extra = dict(_db.session.execute(select(Suggestion.title, Suggestion.id).where(Suggestion.title.like("逾期%"))).all())
    total = OVERDUE_SHOWN + 3  # and 建言late, due 10 days ago: the twelfth longest overdue
    login(world["staff"])
    page = client.get("/staff").get_data(as_text=True)
    assert f"（{total}）" in page.split('id="overdue-title"')[1].split("</h2>")[0]
    assert page.count('<tr id="overdue-') == OVERDUE_SHOWN
    assert f'id="overdue-{extra["逾期00"]}"' in page and "张三" in page  # the longest overdue first, with its deputies
    assert f'id="overdue-{extra[f"逾期{OVERDUE_SHOWN + 1:02d}"]}"' not in page
    assert 'id="overdue-all"' in page and "/suggestions/?overdue=1" in page
    listed = client.get("/suggestions/?overdue=1").get_data(as_text=True)
    assert all(f'id="suggestion-{i}"' in listed for i in [*extra.values(), world["late"]])
    assert f'id="suggestion-{world["due"]}"' not in listed and f'id="suggestion-{world["answered"]}"' not in listed
    assert 'name="overdue" value="1" checked' in listed


def test_a_short_overdue_list_has_no_link_to_more(client, login, world):
    login(world["staff"])
    page = client.get("/staff").get_data(as_text=True)
    assert page.count('<tr id="overdue-') == 1 and 'id="overdue-all"' not in page


def test_a_deputy_carries_an_answer_back_in_one_step(app, client, login, world):
    login(world["a"])
    home = client.get("/me").get_data(as_text=True)
    assert f'id="carry-back-{world["answered"]}"' in home and "区委已采纳，年内修复路面" in home
    answered = local_today() - timedelta(days=50)  # entered today: the item shows the day the district answered
    assert f"区委答复（{answered.year}年{answered.month}月{answered.day}日）" in home
    assert f'id="carry-back-{world["late"]}"' not in home  # not answered yet
    day = local_today().isoformat()
    refused = client.post(f"/suggestions/{world['answered']}/feedback", headers=HTMX,
                          data={"fed_back_on": (local_today() + timedelta(days=1)).isoformat(), "method": "phone"})
    assert refused.status_code == 422 and 'class="field-error"' in refused.get_data(as_text=True)
    done = client.post(f"/suggestions/{world['answered']}/feedback", headers=HTMX,
                       data={"fed_back_on": day, "method": "phone", "note": "电话告知了提意见的居民"})
    assert done.status_code == 200 and f'id="carry-back-{world["answered"]}"' in done.get_data(as_text=True)
    with app.app_context():
        feedback = _db.session.scalar(select(AnswerFeedback))
        assert (feedback.deputy_id, feedback.method.value, feedback.note) == (world["a"].id, "phone", "电话告知了提意见的居民")
    assert f'id="carry-back-{world["answered"]}"' not in client.get("/me").get_data(as_text=True)
    again = client.post(f"/suggestions/{world['answered']}/feedback", data={"fed_back_on": day, "method": "visit"})
    assert again.status_code == 302  # without htmx: back home with a message, and still one record
    with app.app_context():
        assert len(_db.session.scalars(select(AnswerFeedback)).all()) == 1


def test_a_deputy_cannot_record_feedback_for_others_opinions(app, client, login, world):
    login(world["b"])
    assert "carry-back-" not in client.get("/me").get_data(as_text=True)
    response = client.post(f"/suggestions/{world['answered']}/feedback",
                           data={"fed_back_on": local_today().isoformat(), "method": "visit"})
    assert response.status_code == 302
    with app.app_context():
        assert _db.session.scalars(select(AnswerFeedback)).all() == []


def test_the_migration_backfills_due_dates_of_submitted_suggestions(make_app):
    app = make_app()
    with app.app_context():
        upgrade(revision="0007")  # before 0011, whose batch copy of `users` must also survive rows pointing at it
        now = "2025-01-05 08:00:00"
        statements = [
            "INSERT INTO users (id, username, name, password_hash, role, active, created_at) VALUES (1, 'u', '张三', 'x', 'staff', true, :now)",
            "INSERT INTO categories (id, name, position, active) VALUES (99, '测试领域', 99, true)",
            "INSERT INTO suggestions (id, title, content, category_id, state, submitted_on, created_by_id, created_at) "
            "VALUES (1, '已上报', '', 99, 'submitted', '2025-01-10', 1, :now), (2, '草稿', '', 99, 'draft', NULL, 1, :now), "
            "(3, '无日期', '', 99, 'adopted', NULL, 1, :now)",
            "INSERT INTO suggestion_deputies (suggestion_id, deputy_id) VALUES (1, 1)",  # rows pointing at both tables
        ]
        for statement in statements:
            _db.session.execute(text(statement), {"now": now})
        _db.session.commit()
        upgrade()
        rows = dict(_db.session.execute(text("SELECT id, answer_due_on FROM suggestions ORDER BY id")).all())
        assert [str(rows[1]), rows[2], str(rows[3])] == ["2025-02-09", None, "2025-02-04"]
        with pytest.raises(Exception):
            _db.session.execute(text("UPDATE suggestions SET answer_due_on = NULL WHERE id = 1"))
            _db.session.commit()
        _db.session.rollback()
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.parametrize("keys", [("k" * 32, "k" * 32), ("a" * 32, "b" * 32)], ids=["double-tap", "two-tabs"])
def test_two_simultaneous_feedbacks_make_one_record_and_both_succeed(app, world, keys):
    day = local_today().isoformat()
    forms = [{"fed_back_on": day, "method": "phone", "note": "电话告知", "submission_key": key} for key in keys]
    outcomes = post_together(app, world["a"].id, f"/suggestions/{world['answered']}/feedback", forms, AnswerFeedback)
    assert [getattr(o, "status_code", o) for o in outcomes] == [302, 302]
    assert {o.headers["Location"] for o in outcomes} == {"/me"}
    with app.app_context():
        assert len(_db.session.scalars(select(AnswerFeedback)).all()) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("data", [{"note": "a\x00b"}, {"note": "\x1b[31m"}, {"submission_key": "bad key!"}],
                         ids=["nul", "escape", "bad-key"])
def test_a_refused_feedback_says_why_with_or_without_htmx(app, client, login, world, htmx, data):
    """A control character or a malformed key: 422 at the field with htmx, a message at home without; nothing saved."""
    login(world["a"])
    form = {"fed_back_on": local_today().isoformat(), "method": "phone", **data}
    response = client.post(f"/suggestions/{world['answered']}/feedback", data=form, headers=HTMX if htmx else {})
    if htmx:
        assert response.status_code == 422 and 'class="field-error"' in response.get_data(as_text=True)
    else:
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "控制字符" in page or "表单不完整" in page
    with app.app_context():
        assert _db.session.scalars(select(AnswerFeedback)).all() == []
