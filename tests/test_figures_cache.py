"""Cached figures are never stale: a writing transaction replaces the versions of the kinds of data it changes, in
that transaction; a figure is cached under the versions of the kinds it declares, and reading any other fails."""
from datetime import date

import pytest
from sqlalchemy import delete, func, insert, select, update

from portal import figures_cache
from portal.clock import local_today
from portal.extensions import db as _db
from portal.reports.figures import committee_figures
from portal.models import Community, DataVersion, Role
from portal.periods import Period, this_year
from portal.opinions.models import Opinion

pytestmark = pytest.mark.dates  # also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)


def tokens() -> dict[str, str]:
    return dict(_db.session.execute(select(DataVersion.kind, DataVersion.token)).all())


def token(kind: str = figures_cache.PEOPLE) -> str | None:
    return tokens().get(kind)


def fresh_request() -> None:
    """What a new request starts with: a new transaction."""
    _db.session.commit()


WRITES = {  # each write and the kind of data it changes
    "orm insert": (figures_cache.PEOPLE, lambda: _db.session.add(Community(name="新社区"))),
    "orm update": (figures_cache.PEOPLE, lambda: setattr(_db.session.scalars(select(Community)).first(), "name", "改名社区")),
    "orm delete": (figures_cache.PEOPLE, lambda: _db.session.delete(_db.session.scalars(select(Community)).first())),
    "core insert": (figures_cache.PEOPLE, lambda: _db.session.execute(insert(Community).values(name="又一个社区"))),
    "core update": (figures_cache.PEOPLE, lambda: _db.session.execute(update(Community).values(active=False))),
    "core delete": (figures_cache.OPINIONS, lambda: _db.session.execute(delete(Opinion))),
    "row lock": (figures_cache.PEOPLE, lambda: _db.session.execute(select(Community).with_for_update()).all()),
}


@pytest.mark.postgres
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_write_replaces_its_kinds_version_in_its_own_transaction(db, make_community, write):
    kind, action = WRITES[write]
    make_community()
    before = tokens()
    assert set(before) == set(figures_cache.KINDS)
    action()
    _db.session.flush()
    inside = tokens()
    assert inside[kind] != before[kind]
    assert {k: v for k, v in inside.items() if k != kind} == {k: v for k, v in before.items() if k != kind}
    _db.session.rollback()
    assert tokens() == before  # rolled back with the write
    action()
    _db.session.commit()
    assert token(kind) not in (before[kind], inside[kind])


def test_every_table_is_of_one_kind_or_read_by_no_figure(app):
    tables = set(_db.metadata.tables)
    sorted_ = set(figures_cache.TABLE_KINDS) | figures_cache.READ_BY_NO_FIGURE
    assert tables - sorted_ == set(), "sort each new table into a kind of data in portal/figures_cache.py"
    assert set(figures_cache.TABLE_KINDS) & figures_cache.READ_BY_NO_FIGURE == set()


@pytest.mark.postgres
def test_an_audit_only_write_changes_no_version(app, client, make_user, login):
    """A login, a download and an export write only the audit log: every cached figure stays."""
    from portal.auditing import AuditEvent, record_export

    staff = make_user(Role.STAFF)
    with app.app_context():
        before = tokens()
    client.post("/login", data={"username": staff.username, "password": "wrong-password"})
    assert client.post("/login", data={"username": staff.username, "password": staff.password}).status_code == 302
    assert client.get("/opinions/export.csv").status_code == 200
    with app.test_request_context():
        record_export("figures.csv")
        _db.session.commit()
        assert _db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 3  # they were written
        assert tokens() == before


def test_a_write_keeps_the_figures_of_other_kinds(app, make_user):
    from portal.meetings.rates import period_tally

    make_user(Role.DEPUTY)
    with app.test_request_context():
        fresh_request()
        attendance, opinions = period_tally(this_year()), committee_figures(this_year())
        _db.session.execute(delete(Opinion))
        fresh_request()
        assert period_tally(this_year()) is attendance  # attendance did not change
        assert committee_figures(this_year()) is not opinions  # the overview counts opinions


def test_a_figure_reading_a_kind_it_does_not_declare_fails(app, make_user):
    @figures_cache.cached_figure(figures_cache.PEOPLE)
    def opinions_and_people() -> int:
        return _db.session.scalar(select(func.count()).select_from(Opinion)) + _db.session.scalar(
            select(func.count()).select_from(Community))

    @figures_cache.cached_figure(figures_cache.PEOPLE)
    def through_another() -> int:
        return committee_figures(this_year()).opinions

    with app.test_request_context():
        fresh_request()
        with pytest.raises(AssertionError, match="opinions"):
            opinions_and_people()
        fresh_request()
        committee_figures(this_year())  # cached already: its kinds still count for the figure reading it
        with pytest.raises(AssertionError, match="attendance"):
            through_another()


def test_a_cached_figure_follows_every_write(app, make_user):
    deputy = make_user(Role.DEPUTY)
    with app.test_request_context():
        fresh_request()
        first = committee_figures(this_year())
        assert committee_figures(this_year()) is first  # served from the cache
        from portal.opinions.services import record_opinion
        from portal.models import User
        from portal.opinions.models import Category, CollectionMethod
        from portal.opinions.services import ensure_default_categories

        ensure_default_categories()
        user = _db.session.get(User, deputy.id)
        record_opinion(user, user, "楼道灯坏了", user.deputy.community, _db.session.scalars(select(Category)).first(),
                       local_today(), CollectionMethod.VISIT)
        during = committee_figures(this_year())  # the writing transaction reads past the cache
        assert during.opinions == first.opinions + 1
        fresh_request()
        after = committee_figures(this_year())
        assert after.opinions == first.opinions + 1


def test_a_rolled_back_write_leaves_the_cached_figure_right(app, make_user):
    make_user(Role.DEPUTY)
    with app.test_request_context():
        fresh_request()
        first = committee_figures(this_year())
        _db.session.execute(delete(Opinion))
        _db.session.rollback()
        assert committee_figures(this_year()) is first


def test_a_figure_computed_after_a_write_replaces_its_stale_value(app, make_user):
    make_user(Role.DEPUTY)
    with app.test_request_context():
        fresh_request()
        figures_cache._entries.clear()
        first = committee_figures(this_year())
        held = len(figures_cache._entries)
        for _ in range(3):  # a write, then the figures read again: each time computed afresh, never one more entry
            _db.session.execute(delete(Opinion))
            fresh_request()
            assert committee_figures(this_year()) is not first
            assert len(figures_cache._entries) == held


def test_no_cache_when_switched_off(app, make_user):
    make_user(Role.DEPUTY)
    app.config["FIGURES_CACHE"] = False
    with app.test_request_context():
        fresh_request()
        assert figures_cache.current_tokens() is None
        first = committee_figures(this_year())
        assert committee_figures(this_year()) is not first


def test_the_overview_shows_a_new_opinion_at_once(client, make_user, login):
    """Through the pages: the overview is cached, a deputy records an opinion, the overview counts it."""
    staff, deputy = make_user(Role.STAFF), make_user(Role.DEPUTY)
    login(staff)
    before = client.get("/staff").get_data(as_text=True)
    login(deputy)
    from portal.opinions.models import Category
    with client.application.app_context():
        from portal.opinions.services import ensure_default_categories

        ensure_default_categories()
        _db.session.commit()
        category = _db.session.scalars(select(Category)).first().id
    response = client.post("/opinions/new", data={
        "content": "希望增设公交站", "community": deputy.community_id, "category": category, "deputy": deputy.id,
        "collected_on": local_today().isoformat(), "method": "visit",
    })
    assert response.status_code in (200, 302, 303)
    login(staff)
    after = client.get("/staff").get_data(as_text=True)
    assert _opinions_figure(after) == _opinions_figure(before) + 1
    assert 'class="chart-svg"' not in _chart(before, "category") and 'class="chart-svg"' in _chart(after, "category")


def _chart(html: str, key: str) -> str:
    """The markup of one chart of a page."""
    return html.split(f'id="chart-{key}"')[1].split("</figure>")[0]


def _opinions_figure(html: str) -> int:
    import re

    return int(re.search(r'href="/opinions/[^"]*"><span class="figure">(\d+)</span>', html).group(1))


@pytest.mark.postgres
def test_a_meeting_counts_once_it_is_over_without_any_write(app, make_user, monkeypatch):
    from datetime import timedelta

    from portal.meetings import rates as services
    from portal.meetings.models import AttendanceStatus
    from portal.meetings.marks import mark_attendance
    from portal.meetings.services import MeetingFields, create_meeting, ensure_default_meeting_kinds
    from portal.meetings.rates import period_tally
    from portal.meetings.services import meeting_kinds
    from portal.models import User, utcnow

    staff, deputy = make_user(Role.STAFF), make_user(Role.DEPUTY)
    with app.test_request_context():
        ensure_default_meeting_kinds()
        staff, deputy = _db.session.get(User, staff.id), _db.session.get(User, deputy.id)
        starts = utcnow() - timedelta(minutes=30)
        meeting = create_meeting(staff, MeetingFields(meeting_kinds()[0], "代表小组活动", starts, starts + timedelta(hours=1)))
        mark_attendance(staff, meeting, deputy.id, AttendanceStatus.PRESENT)
        fresh_request()
        year = Period(date(local_today().year, 1, 1), date(local_today().year, 12, 31))
        assert period_tally(year).expected == 0  # still going on: not counted yet, and now cached
        fresh_request()
        assert period_tally(year).expected == 0
        later = utcnow() + timedelta(hours=2)
        monkeypatch.setattr(services, "utcnow", lambda: later)  # it is over; nobody wrote anything
        fresh_request()
        over = period_tally(year)
        assert (over.expected, over.present) == (1, 1)
