"""The audit log: one row per change, written at flush, with who, what, before → after and where from;
logins, logouts, passwords, roles and exports too; nothing for a no-op; never a secret."""
import json

import pytest
from sqlalchemy import select

from portal.auditing import AuditEvent
from portal.clock import local_today
from portal.extensions import db
from portal.models import Community, Role, User

from .conftest import PASSWORD

NEW_PASSWORD = "another-pass-42"


def events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def test_create_update_delete_with_actor_address_and_fields(app, client, login, make_user):
    admin = make_user(Role.ADMIN)
    login(admin)
    client.post("/admin/communities", data={"name": "审计社区", "active": "y"})
    with app.app_context():
        community_id = db.session.scalar(select(Community.id).where(Community.name == "审计社区"))
    created = events(app, object_type="Community", object_id=str(community_id))
    assert [e.action for e in created] == ["create"]
    assert created[0].actor_id == admin.id and created[0].address == "127.0.0.1"
    assert created[0].changes["name"] == [None, "审计社区"]

    client.post(f"/admin/communities/{community_id}/edit", data={"name": "审计新社区", "active": "y"})
    updated = events(app, object_type="Community", object_id=str(community_id), action="update")
    assert len(updated) == 1
    assert updated[0].changes == {"name": ["审计社区", "审计新社区"]}


def test_a_save_that_changes_nothing_writes_nothing(app, client, login, make_user, make_community):
    admin = make_user(Role.ADMIN)
    community_id = make_community("原样社区")
    login(admin)
    before = len(events(app))
    response = client.post(f"/admin/communities/{community_id}/edit", data={"name": "原样社区", "active": "y"})
    assert response.status_code == 302
    assert len(events(app)) == before


def test_delete_is_recorded_with_the_values_before(app, db, make_user):
    from datetime import timedelta

    from portal.meetings.models import MeetingRoster
    from portal.meetings.services import (
        MeetingFields,
        create_meeting,
        ensure_default_meeting_kinds,
        meeting_kinds,
        set_roster,
    )
    from portal.models import utcnow

    deputy = make_user(Role.DEPUTY)
    staff = db.session.get(User, make_user(Role.STAFF).id)
    ensure_default_meeting_kinds()
    start = utcnow() + timedelta(days=1)
    meeting = create_meeting(staff, MeetingFields(meeting_kinds()[0], "审计会议", start, start + timedelta(hours=1), "会议室", None),
                             [deputy.id])
    db.session.commit()
    set_roster(meeting, [])
    db.session.commit()
    deleted = events(app, object_type="MeetingRoster", action="delete")
    assert len(deleted) == 1
    assert deleted[0].object_id == f"{meeting.id},{deputy.id}"
    assert deleted[0].parent_type == "Meeting" and deleted[0].parent_id == str(meeting.id)
    assert deleted[0].changes["deputy_id"] == [deputy.id, None]
    assert db.session.get(MeetingRoster, (meeting.id, deputy.id)) is None


def test_logins_logouts_passwords_roles_and_never_a_secret(app, client, login, make_user):
    admin = make_user(Role.ADMIN)
    staff = make_user(Role.STAFF)
    client.post("/login", data={"username": staff.username, "password": "wrong-password-typed"})
    client.post("/login", data={"username": staff.username, "password": PASSWORD})
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/logout")
    login(admin)
    client.post(f"/admin/users/{staff.id}/password", data={"password": "reset-pass-77", "confirm": "reset-pass-77"})
    client.post(f"/admin/users/{staff.id}/edit", data={"username": staff.username, "name": staff.name, "role": "admin"})

    actions = [(e.action, e.actor_id) for e in events(app) if e.object_type == "User" and e.object_id in (None, str(staff.id))
               and e.action != "create"]
    assert actions == [
        ("login_failed", None), ("login", staff.id), ("password_change", staff.id), ("logout", staff.id),
        ("password_reset", admin.id), ("role_change", admin.id),
    ]
    role_change = events(app, action="role_change")[0]
    assert role_change.changes == {"role": ["staff", "admin"]}
    assert events(app, action="login_failed")[0].changes == {"username": [None, staff.username]}

    with app.app_context():
        password_hash = db.session.get(User, staff.id).password_hash
    everything = json.dumps([e.changes for e in events(app)], ensure_ascii=False)
    for secret in (PASSWORD, NEW_PASSWORD, "reset-pass-77", "wrong-password-typed", password_hash, "password_hash", "scrypt", "pbkdf2"):
        assert secret not in everything


def test_export_downloads_are_recorded(app, client, login, make_user):
    staff = make_user(Role.STAFF)
    login(staff)
    response = client.get("/suggestions/figures/export.csv")
    assert response.status_code == 200
    exported = events(app, action="export")
    assert len(exported) == 1 and exported[0].actor_id == staff.id
    assert exported[0].changes["file"][1].startswith("adoption-")


def test_audit_rows_cannot_be_changed(app, db, make_community):
    make_community("不可改")
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "delete"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(PermissionError):
        db.session.flush()


@pytest.mark.dates
def test_the_admin_filters_the_log(app, client, login, make_user, make_community):
    admin, other_admin = make_user(Role.ADMIN, name="甲管理员"), make_user(Role.ADMIN, name="乙管理员")
    first = make_community("过滤社区一")
    login(other_admin)
    client.post(f"/admin/communities/{first}/edit", data={"name": "过滤社区改", "active": "y"})
    login(admin)

    page = client.get(f"/admin/audit/?actor={other_admin.id}").get_data(as_text=True)
    assert "过滤社区改" in page and "过滤社区一</del>" in page
    page = client.get(f"/admin/audit/?actor={admin.id}").get_data(as_text=True)
    assert "过滤社区改" not in page
    page = client.get(f"/admin/audit/?object_type=Community&object_id={first}").get_data(as_text=True)
    assert "过滤社区改" in page and "甲管理员" not in page.split('id="audit-table"')[1]
    page = client.get("/admin/audit/?object_type=User").get_data(as_text=True)
    assert "过滤社区改" not in page
    page = client.get("/admin/audit/?start=2000-01-01&end=2000-12-31").get_data(as_text=True)
    assert "没有符合筛选条件的记录" in page
    today = local_today().isoformat()
    page = client.get(f"/admin/audit/?start=2000-01-01&end={today}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page.lstrip().startswith('<div id="audit-table">') and "过滤社区改" in page
    response = client.get("/admin/audit/?start=2026-05-01&end=2026-04-01")
    assert "截止日期不能早于起始日期" in response.get_data(as_text=True)


def test_the_log_is_paginated(app, client, login, make_user, make_community):
    admin = make_user(Role.ADMIN)
    for n in range(app.config["PER_PAGE"] + 2):
        make_community(f"分页社区{n}")
    login(admin)
    page = client.get("/admin/audit/?object_type=Community").get_data(as_text=True)
    assert "分页社区0" not in page and f"分页社区{app.config['PER_PAGE'] + 1}" in page
    page = client.get("/admin/audit/?object_type=Community&page=2").get_data(as_text=True)
    assert "分页社区0" in page


def test_detail_pages_show_their_own_history_to_staff(app, client, login, make_user):
    from portal.opinions.services import active_categories, ensure_default_categories
    from portal.suggestions.services import SuggestionFields, create_suggestion

    deputy, staff = make_user(Role.DEPUTY), make_user(Role.STAFF)
    with app.app_context():
        ensure_default_categories()
        user = db.session.get(User, deputy.id)
        suggestion = create_suggestion(user, SuggestionFields("历史标题", "内容", active_categories()[0], [user]))
        db.session.commit()
        suggestion_id = suggestion.id
    login(staff)
    client.post(f"/suggestions/{suggestion_id}/transition", data={"to_state": "submitted", "expected": "draft", "on": "2026-01-05"})
    page = client.get(f"/suggestions/{suggestion_id}").get_data(as_text=True)
    history = page.split('id="history"')[1]
    assert "建言办理步骤" in history and "2026-01-05" in history and "历史标题" in history
    login(deputy)
    page = client.get(f"/suggestions/{suggestion_id}").get_data(as_text=True)
    assert 'id="history"' not in page


def test_a_deputy_cannot_open_another_deputys_evaluation(app, client, login, make_user):
    from portal.clock import local_today
    from portal.evaluations.services import record_evaluation, year_period

    deputy, other, staff = make_user(Role.DEPUTY), make_user(Role.DEPUTY, name="别人代表"), make_user(Role.STAFF)
    with app.app_context():
        evaluation = record_evaluation(db.session.get(User, staff.id), db.session.get(User, other.id),
                                       *year_period(local_today().year), 10, 2, 1)
        db.session.commit()
        evaluation_id = evaluation.id
    login(deputy)
    response = client.get(f"/evaluations/{evaluation_id}")
    assert response.status_code == 404 and "别人代表" not in response.get_data(as_text=True)
    login(staff)
    page = client.get(f"/evaluations/{evaluation_id}").get_data(as_text=True)
    assert "别人代表" in page and 'id="history"' in page and "选民评议" in page


def test_statements_run_directly_are_audited_too(app, db, make_user):
    """Claims (UPDATE … WHERE) and the suggestion's state change leave the same rows as ORM saves."""
    from portal.clock import local_today
    from portal.opinions.models import CollectionMethod
    from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
    from portal.suggestions.models import SuggestionState
    from portal.suggestions.services import SuggestionFields, create_suggestion, gather, release, transition

    deputy = db.session.get(User, make_user(Role.DEPUTY).id)
    ensure_default_categories()
    category = active_categories()[0]
    opinion = record_opinion(deputy, deputy, "路灯不亮", deputy.deputy.community, category, local_today(), CollectionMethod.VISIT)
    suggestion = create_suggestion(deputy, SuggestionFields("路灯", "修路灯", category, [deputy]))
    gather(deputy, suggestion, [opinion.id])
    release(deputy, suggestion, opinion.id)
    transition(deputy, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, on=local_today())
    db.session.commit()
    opinion_changes = [e.changes for e in events(app, object_type="Opinion", object_id=str(opinion.id), action="update")]
    assert opinion_changes == [{"suggestion_id": [None, suggestion.id]}, {"suggestion_id": [suggestion.id, None]}]
    state_changes = [e.changes.get("state") for e in events(app, object_type="Suggestion", object_id=str(suggestion.id), action="update")]
    assert ["draft", "submitted"] in state_changes


def test_the_history_names_the_changed_fields_in_chinese(app, client, login, make_user):
    from portal.opinions.services import active_categories, ensure_default_categories
    from portal.suggestions.services import SuggestionFields, create_suggestion

    deputy, staff = make_user(Role.DEPUTY), make_user(Role.STAFF)
    with app.app_context():
        ensure_default_categories()
        user = db.session.get(User, deputy.id)
        suggestion_id = create_suggestion(user, SuggestionFields("字段名称", "内容", active_categories()[0], [user])).id
        db.session.commit()
    login(staff)
    client.post(f"/suggestions/{suggestion_id}/transition", data={"to_state": "submitted", "expected": "draft", "on": "2026-01-05"})
    client.post(f"/suggestions/{suggestion_id}/transition", data={"to_state": "adopted", "expected": "submitted", "on": "2026-01-20"})
    history = client.get(f"/suggestions/{suggestion_id}").get_data(as_text=True).split('id="history"')[1]
    assert "答复日期" in history and "上报日期" in history and "2026-01-20" in history
    for column in ("answered_on", "submitted_on", "answer_due_on", "happened_on", "to_state"):
        assert column not in history


def test_every_field_the_log_can_show_has_a_label():
    from portal.audit.services import field_label
    from portal.auditing import BOOKKEEPING, SECRET, _audited

    unnamed = [(mapper.class_.__name__, attr.key)
               for mapper in db.Model.registry.mappers if _audited(mapper.class_)
               for attr in [*mapper.column_attrs, *(r for r in mapper.relationships if r.secondary is not None)]
               if attr.key != "id" and attr.key not in BOOKKEEPING and not SECRET.search(attr.key)
               and field_label(mapper.class_.__name__, attr.key) == attr.key]
    assert unnamed == []


def test_a_failed_login_keeps_the_typed_username_only_when_it_names_an_account(app, client, make_user):
    staff = make_user(Role.STAFF)
    client.post("/login", data={"username": "MySecretPass99", "password": "x"})  # a password in the username field
    client.post("/login", data={"username": staff.username.upper(), "password": "x"})
    failed = [e.changes for e in events(app, action="login_failed")]
    assert {"username": [None, staff.username]} in failed and {"username": [None, None]} in failed
    assert "mysecretpass99" not in json.dumps(failed).lower()
