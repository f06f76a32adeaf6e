"""The rules of campaigns and 四个一 records, and their tallies. Services flush; the request commits."""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..accounts.services import deputies_query
from ..errors import ServiceError
from ..extensions import db
from ..figures_cache import CHECKLIST, PEOPLE, cached_figure
from ..figures import rate
from ..matters.models import PracticalMatter
from ..membership import members_during, require_deputy_on
from ..models import Community, DeputyProfile, Level, Role, User, utcnow
from ..periods import Period, period_statement
from ..suggestions.models import Suggestion
from ..upsert import upsert
from .models import (
    DONE_STATES,
    Campaign,
    ChecklistItem,
    ChecklistRecord,
    ItemKind,
    RecordState,
)

# The four items of the report; stored as text in each new campaign so the admin can edit them there.
DEFAULT_ITEMS = [
    (ItemKind.COMMUNITY_DAY, "体验一天", "到社区体验一天社区干部生活，或做一天社区志愿者。"),
    (ItemKind.LECTURE, "上一堂课 / 搞一次活动", "结合自己的专业知识给社区干部和居民上一堂专业知识课，或组织社区干部居民搞一次有意义的活动。"),
    (ItemKind.PRACTICAL, "办一件实事 / 解决一条建议", "为社区办一件实事，或为群众协调解决一条建议和要求。"),
    (ItemKind.REFLECTION, "写一篇心得 / 一份建议", "通过进社区写一篇心得体会，或一份高质量的代表建议。"),
]

ACCOUNT_MAX = 500
REFLECTION_MAX = 10000
NOTE_MAX = 500

# Staff moves between states; a deputy's save puts a record (back) to RECORDED unless it is verified.
TRANSITIONS = {
    RecordState.RECORDED: {RecordState.VERIFIED, RecordState.RETURNED},
    RecordState.RETURNED: {RecordState.VERIFIED},
    RecordState.VERIFIED: {RecordState.RETURNED},  # staff reopen a verified record with a note
}


@dataclass
class CampaignFields:
    """What the admin enters for a campaign."""

    name: str
    starts_on: date | None
    ends_on: date | None
    plan: str = ""
    is_current: bool = False


def _check_campaign(fields: CampaignFields) -> None:
    fields.name = (fields.name or "").strip()
    if not fields.name or len(fields.name) > 200:
        raise ServiceError(_("Please enter a name of at most 200 characters."), "name")
    if fields.starts_on is None:
        raise ServiceError(_("Please enter the first day of the campaign."), "starts_on")
    if fields.ends_on is None:
        raise ServiceError(_("Please enter the last day of the campaign."), "ends_on")
    if fields.ends_on < fields.starts_on:
        raise ServiceError(_("The campaign cannot end before it starts."), "ends_on")


def current_campaign() -> Campaign | None:
    """The campaign deputies work on now, if any, with its items (one query)."""
    return db.session.scalars(select(Campaign).where(Campaign.is_current).options(joinedload(Campaign.items))).unique().first()


def all_campaigns() -> list[Campaign]:
    """Every campaign, the newest first."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def create_campaign(fields: CampaignFields) -> Campaign:
    """A new campaign with the report's four items; it becomes current if asked or if none is."""
    _check_campaign(fields)
    campaign = Campaign(name=fields.name, starts_on=fields.starts_on, ends_on=fields.ends_on, plan=(fields.plan or "").strip())
    campaign.items = [
        ChecklistItem(position=position, kind=kind, title=title, description=description)
        for position, (kind, title, description) in enumerate(DEFAULT_ITEMS, start=1)
    ]
    db.session.add(campaign)
    db.session.flush()
    if fields.is_current or current_campaign() is None:
        set_current(campaign)
    return campaign


def update_campaign(campaign: Campaign, fields: CampaignFields) -> Campaign:
    """Change a campaign's name, period, plan, or make it the current one."""
    _check_campaign(fields)
    if campaign.is_current and not fields.is_current:
        raise ServiceError(_("One campaign is always current: make another campaign current instead."), "is_current")
    if fields.starts_on > campaign.starts_on or fields.ends_on < campaign.ends_on:
        outside = db.session.scalar(
            select(func.count())
            .select_from(ChecklistRecord)
            .join(ChecklistItem)
            .where(ChecklistItem.campaign_id == campaign.id)
            .where((ChecklistRecord.done_on < fields.starts_on) | (ChecklistRecord.done_on > fields.ends_on))
        )
        if outside:
            raise ServiceError(_("%(n)d records are dated outside this period.", n=outside), "starts_on")
    campaign.name, campaign.starts_on, campaign.ends_on = fields.name, fields.starts_on, fields.ends_on
    campaign.plan = (fields.plan or "").strip()
    db.session.flush()
    if fields.is_current and not campaign.is_current:
        set_current(campaign)
    return campaign


def set_current(campaign: Campaign) -> Campaign:
    """Make `campaign` the only current one, in this transaction (the unique index backs this up)."""
    db.session.execute(
        update(Campaign).where(Campaign.id != campaign.id, Campaign.is_current).values(is_current=False),
        execution_options={"synchronize_session": "fetch"},
    )
    db.session.flush()  # the old one must be off before the new one is on, or the index refuses
    campaign.is_current = True
    db.session.flush()
    return campaign


def has_records(campaign: Campaign) -> bool:
    """True once any deputy has recorded an item of the campaign."""
    return db.session.scalar(
        select(ChecklistRecord.id).join(ChecklistItem).where(ChecklistItem.campaign_id == campaign.id).limit(1)
    ) is not None


def _refuse_once_recording(campaign: Campaign) -> None:
    if has_records(campaign):
        raise ServiceError(
            _("Deputies have started recording this campaign: its items can no longer be renamed, reordered or added. You may still retire an item.")
        )


def _check_item(title: str, description: str) -> tuple[str, str]:
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 100:
        raise ServiceError(_("Please enter a title of at most 100 characters."), "title")
    if len(description) > 500:
        raise ServiceError(_("At most 500 characters."), "description")
    return title, description


def add_item(campaign: Campaign, kind: ItemKind, title: str, description: str = "") -> ChecklistItem:
    """Append an item to the campaign's checklist, before deputies start recording."""
    _refuse_once_recording(campaign)
    title, description = _check_item(title, description)
    position = max((item.position for item in campaign.items), default=0) + 1
    item = ChecklistItem(campaign=campaign, kind=kind, title=title, description=description, position=position)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: ChecklistItem, kind: ItemKind, title: str, description: str = "") -> ChecklistItem:
    """Rename an item or change its kind, before deputies start recording."""
    _refuse_once_recording(item.campaign)
    item.title, item.description = _check_item(title, description)
    item.kind = kind
    db.session.flush()
    return item


def move_item(item: ChecklistItem, offset: int) -> ChecklistItem:
    """Move an item up (-1) or down (+1) in its campaign's order, before deputies start recording."""
    _refuse_once_recording(item.campaign)
    items = list(item.campaign.items)
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position
        db.session.flush()
        db.session.expire(item.campaign, ["items"])  # reload the collection in its new order
    return item


def set_retired(item: ChecklistItem, retired: bool) -> ChecklistItem:
    """Retire an item (hidden from new records, kept with its records) or bring it back; allowed any time."""
    if retired and not any(not each.retired for each in item.campaign.items if each.id != item.id):
        raise ServiceError(_("A campaign keeps at least one item."))
    if retired != item.retired:
        item.retired_on = local_today() if retired else None
    item.retired = retired
    db.session.flush()
    return item


@dataclass
class RecordFields:
    """What a deputy (or staff on their behalf) enters for an item."""

    done_on: date | None
    community_id: int | None
    account: str
    reflection: str = ""
    practical_matter_id: int | None = None  # item 3 only: a practical matter the deputy took part in
    suggestion_id: int | None = None  # item 4 only: a suggestion the deputy proposed


def can_record_for(actor: User, deputy: User, on_behalf: bool) -> bool:
    """A deputy records their own items; staff only explicitly on a deputy's behalf."""
    if on_behalf:
        return actor.has_role(Role.STAFF) and deputy.role is Role.DEPUTY
    return actor.role is Role.DEPUTY and actor.id == deputy.id


def _check_record(item: ChecklistItem, fields: RecordFields, today_: date) -> None:
    campaign = item.campaign
    if fields.done_on is None:
        raise ServiceError(_("Please enter the date."), "done_on")
    if fields.done_on > today_:
        raise ServiceError(_("The date cannot be in the future."), "done_on")
    if not campaign.starts_on <= fields.done_on <= campaign.ends_on:
        raise ServiceError(
            _("The date must fall within the campaign (%(start)s to %(end)s).",
              start=campaign.starts_on.isoformat(), end=campaign.ends_on.isoformat()),
            "done_on",
        )
    community = db.session.get(Community, fields.community_id) if fields.community_id else None
    if community is None or not community.active:
        raise ServiceError(_("Please choose the community."), "community_id")
    fields.account = (fields.account or "").strip()
    if not fields.account:
        raise ServiceError(_("Please describe briefly what you did and for whom."), "account")
    if len(fields.account) > ACCOUNT_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=ACCOUNT_MAX), "account")
    fields.reflection = (fields.reflection or "").strip()
    if len(fields.reflection) > REFLECTION_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=REFLECTION_MAX), "reflection")


def _check_links(item: ChecklistItem, deputy: User, fields: RecordFields) -> None:
    """The posted link ids are only ids: the target must exist, fit the item's kind and be the deputy's own."""
    if fields.practical_matter_id:
        if item.kind is not ItemKind.PRACTICAL:
            raise ServiceError(_("Only the practical-matter item can link to a practical matter."), "practical_matter_id")
        matter = db.session.get(PracticalMatter, fields.practical_matter_id)
        if matter is None or not matter.involves(deputy):
            raise ServiceError(_("Please choose a practical matter %(name)s took part in.", name=deputy.name), "practical_matter_id")
    if fields.suggestion_id:
        if item.kind is not ItemKind.REFLECTION:
            raise ServiceError(_("Only the reflection-or-suggestion item can link to a suggestion."), "suggestion_id")
        suggestion = db.session.get(Suggestion, fields.suggestion_id)
        if suggestion is None or not suggestion.is_proposed_by(deputy):
            raise ServiceError(_("Please choose a suggestion %(name)s proposed.", name=deputy.name), "suggestion_id")


def find_record(item: ChecklistItem, deputy_id: int) -> ChecklistRecord | None:
    """The deputy's record of the item, if they made one."""
    return db.session.scalar(
        select(ChecklistRecord).where(ChecklistRecord.item_id == item.id, ChecklistRecord.deputy_id == deputy_id)
    )


def save_record(actor: User, item: ChecklistItem, deputy: User, fields: RecordFields,
                on_behalf: bool = False, today_: date | None = None) -> ChecklistRecord:
    """Record or edit a deputy's item: one row per (item, deputy), even for two saves at once.

    The row is written by one INSERT … ON CONFLICT DO UPDATE, whose WHERE refuses to touch a verified
    record, so a concurrent save or verification can neither duplicate nor overwrite it.
    """
    if not can_record_for(actor, deputy, on_behalf):
        raise ServiceError(_("You may not record items for this deputy."))
    if not item.campaign.is_current:
        raise ServiceError(_("This campaign is closed; only the current campaign can be recorded."))
    existing = find_record(item, deputy.id)
    if existing is not None and existing.state is RecordState.VERIFIED:
        raise ServiceError(_("This record has been verified and can no longer be changed."))
    if existing is None and item.retired:
        raise ServiceError(_("This item has been retired."))
    _check_record(item, fields, today_ or local_today())
    require_deputy_on(deputy, fields.done_on, "deputy_id" if on_behalf else "done_on")
    _check_links(item, deputy, fields)

    now = utcnow()
    values = {
        "done_on": fields.done_on,
        "community_id": fields.community_id,
        "account": fields.account,
        "reflection": fields.reflection,
        # Each save states the links anew: an edit without one clears it.
        "practical_matter_id": fields.practical_matter_id or None,
        "suggestion_id": fields.suggestion_id or None,
        "state": RecordState.RECORDED,
        "recorded_by_id": actor.id,
        "on_behalf": on_behalf,
        "updated_at": now,
    }
    table = ChecklistRecord.__table__
    statement = upsert(
        table, {"item_id": item.id, "deputy_id": deputy.id, "created_at": now, "review_note": "", **values},
        [table.c.item_id, table.c.deputy_id], values, where=table.c.state != RecordState.VERIFIED,
    ).returning(table.c.id)
    record_id = db.session.execute(statement).scalar()
    if record_id is None:  # verified between our read and our write
        raise ServiceError(_("This record has been verified and can no longer be changed."))
    return db.session.scalars(
        select(ChecklistRecord).where(ChecklistRecord.id == record_id).execution_options(populate_existing=True)
    ).one()


def _transition(record: ChecklistRecord, actor: User, to: RecordState) -> None:
    if not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only the committee office verifies records."))
    if to not in TRANSITIONS[record.state]:
        raise ServiceError(_("A record that is “%(state)s” cannot become “%(to)s”.", state=record.state.label, to=to.label))


def verify_record(actor: User, record: ChecklistRecord) -> ChecklistRecord:
    """Staff confirm a record; the deputy can no longer change it."""
    _transition(record, actor, RecordState.VERIFIED)
    record.state = RecordState.VERIFIED
    record.verified_by_id, record.verified_at = actor.id, utcnow()
    record.review_note = ""
    db.session.flush()
    return record


def send_back_record(actor: User, record: ChecklistRecord, note: str) -> ChecklistRecord:
    """Staff return a record to the deputy with a note saying what to fix."""
    _transition(record, actor, RecordState.RETURNED)
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Please tell the deputy what to change."), "note")
    if len(note) > NOTE_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=NOTE_MAX), "note")
    record.state = RecordState.RETURNED
    record.review_note = note
    record.verified_by_id, record.verified_at = None, None
    db.session.flush()
    return record


def linked_records(practical_matter_id: int | None = None, suggestion_id: int | None = None) -> list[ChecklistRecord]:
    """The 四个一 records that link to a practical matter or to a suggestion (for its page), oldest first."""
    query = select(ChecklistRecord).order_by(ChecklistRecord.done_on, ChecklistRecord.id)
    if practical_matter_id is not None:
        return list(db.session.scalars(query.where(ChecklistRecord.practical_matter_id == practical_matter_id)))
    if suggestion_id is not None:
        return list(db.session.scalars(query.where(ChecklistRecord.suggestion_id == suggestion_id)))
    return []


# What a record's card shows besides the record itself (templates/campaigns/_record_facts.html).
RECORD_FACTS = (ChecklistRecord.community, ChecklistRecord.practical_matter, ChecklistRecord.suggestion,
                ChecklistRecord.recorded_by, ChecklistRecord.verified_by)


def deputy_records(campaign: Campaign, deputy_id: int) -> dict[int, ChecklistRecord]:
    """The deputy's records of the campaign, by item id."""
    rows = db.session.scalars(
        select(ChecklistRecord)
        .join(ChecklistItem)
        .where(ChecklistItem.campaign_id == campaign.id, ChecklistRecord.deputy_id == deputy_id)
        .options(*(joinedload(link) for link in RECORD_FACTS))
    )
    return {record.item_id: record for record in rows}


@dataclass
class Progress:
    """Items done (recorded or verified) out of the campaign's active items."""

    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total


def progress_of(campaign: Campaign, records: dict[int, ChecklistRecord]) -> Progress:
    """A deputy's progress from their records (items retired before the campaign ended count neither way)."""
    active = campaign.counted_items
    done = sum(1 for item in active if item.id in records and records[item.id].state in DONE_STATES)
    return Progress(done, len(active))


@dataclass
class ItemTally:
    """How many deputies have done and have had verified one item."""

    item: ChecklistItem
    done: int
    verified: int
    deputies: int

    @property
    def rate(self):
        return rate(self.done, self.deputies)


@dataclass
class CampaignTallies:
    """The figures above the matrix: every one from one query over the campaign's records."""

    deputies: int
    complete: int
    went_into_communities: int
    items: list[ItemTally] = field(default_factory=list)

    @property
    def complete_rate(self):
        return rate(self.complete, self.deputies)


def _counted_item(ends_on: date):
    """An item counts in its campaign's figures unless it was retired by the campaign's last day."""
    return or_(~ChecklistItem.retired, ChecklistItem.retired_on > ends_on)


def _deputies_count(window: Period) -> Select:
    """Deputies during the campaign's window (of its community, if given): the denominator of every checklist rate."""
    ids = members_during(window).subquery()
    return select(func.count(ids.c.deputy_id.distinct()))


def campaigns_of(period: Period) -> list[Campaign]:
    """The campaigns whose window overlaps the period, oldest first."""
    query = select(Campaign).order_by(Campaign.starts_on, Campaign.id)
    return list(db.session.scalars(period.filter_overlapping(query, Campaign.starts_on, Campaign.ends_on)))


def campaign_period(campaign: Campaign, community_id: int | None = None) -> Period:
    """The campaign's whole window as a period (in a community, if given): its deputies are those who were deputies
    (there) during it, and the figures that cover the whole campaign count over it."""
    return Period(campaign.starts_on, campaign.ends_on, community_id)



def _community_days(period: Period):
    """The standing (recorded or verified, not sent back) 体验一天 records dated in the period, spent in its community."""
    query = (
        select(ChecklistRecord)
        .join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
        .where(ChecklistItem.kind == ItemKind.COMMUNITY_DAY, ChecklistRecord.state.in_(DONE_STATES))
    )
    return period.filter(query, ChecklistRecord.done_on, ChecklistRecord.community_id)


@cached_figure(CHECKLIST, PEOPLE)
def deputies_in_communities(period: Period) -> int:
    """已深入社区代表, the one definition every page shows: distinct deputies with a standing 体验一天 record in the period.

    With a community, the community where the day was spent; deactivated deputies still count, for they did go.
    """
    return db.session.scalar(*_in_communities_statement(period))


def deputies_in_communities_count(period: Period) -> Select:
    """`deputies_in_communities` as a statement (the overview's counts read it as a scalar subquery)."""
    days = _community_days(period).with_only_columns(ChecklistRecord.deputy_id.distinct()).subquery()
    return select(func.count()).select_from(days)


_in_communities_statement = period_statement(deputies_in_communities_count)


def community_days(period: Period) -> list[ChecklistRecord]:
    """The records behind `deputies_in_communities`, latest first, with their deputy, item and community loaded."""
    query = _community_days(period).options(
        joinedload(ChecklistRecord.deputy), joinedload(ChecklistRecord.community), joinedload(ChecklistRecord.item)
    )
    return list(db.session.scalars(query.order_by(ChecklistRecord.done_on.desc(), ChecklistRecord.id.desc())))


def _complete_count(window: Period) -> Select:
    """The deputies of the window who have done every item the campaign (bound `campaign`) counts."""
    campaign_id = bindparam("campaign")
    active_items = select(func.count()).select_from(ChecklistItem).where(
        ChecklistItem.campaign_id == campaign_id, _counted_item(window.end)
    ).scalar_subquery()
    per_deputy = (
        select(ChecklistRecord.deputy_id)
        .join(ChecklistItem)
        .where(
            ChecklistItem.campaign_id == campaign_id,
            _counted_item(window.end),
            ChecklistRecord.state.in_(DONE_STATES),
            ChecklistRecord.deputy_id.in_(members_during(window)),
        )
        .group_by(ChecklistRecord.deputy_id)
        .having(and_(func.count() >= active_items, active_items > 0))
    )
    return select(func.count()).select_from(per_deputy.subquery())


@period_statement
def _campaign_counts_statement(window: Period) -> Select:
    """A campaign's (bound `campaign`) deputies, those with every item done and those who went into communities, in
    one statement: three scalar subqueries."""
    return select(*(count.scalar_subquery() for count in (
        _deputies_count(window), _complete_count(window), deputies_in_communities_count(window))))


@cached_figure(CHECKLIST, PEOPLE)
def _campaign_counts(campaign_id: int, window: Period) -> tuple[int, int, int]:
    """A campaign's deputies, those who have done every item it counts, and `deputies_in_communities`, read together."""
    statement, parameters = _campaign_counts_statement(window)
    return tuple(db.session.execute(statement, parameters | {"campaign": campaign_id}).one())


def item_tallies(campaign: Campaign, deputies: int, community_id: int | None = None) -> list[ItemTally]:
    """Per counted item: the campaign's deputies (of a community, if given) who did it, and whose record staff verified."""
    counts = _item_counts(campaign.id, campaign_period(campaign, community_id))
    return [ItemTally(item, *counts.get(item.id, (0, 0)), deputies) for item in campaign.counted_items]


@cached_figure(CHECKLIST, PEOPLE)
def _item_counts(campaign_id: int, window: Period) -> dict[int, tuple[int, int]]:
    statement, parameters = _item_counts_statement(window)
    return {item_id: (done, verified) for item_id, done, verified in db.session.execute(statement, parameters | {"campaign": campaign_id})}


@period_statement
def _item_counts_statement(window: Period) -> Select:
    return (
        select(
            ChecklistRecord.item_id,
            func.count(case((ChecklistRecord.state.in_(DONE_STATES), 1))),
            func.count(case((ChecklistRecord.state == RecordState.VERIFIED, 1))),
        )
        .join(ChecklistItem)
        .where(ChecklistItem.campaign_id == bindparam("campaign"), ChecklistRecord.deputy_id.in_(members_during(window)))
        .group_by(ChecklistRecord.item_id)
    )


def campaign_tallies(campaign: Campaign, community_id: int | None = None) -> CampaignTallies:
    """Deputies with every item done, completion per item, and deputies who went into communities over the campaign.

    The deputies are those who were deputies during the campaign (with a community, there), and 已深入社区代表
    counts the days spent in it.
    """
    deputies, complete, went = _campaign_counts(campaign.id, campaign_period(campaign, community_id))
    return CampaignTallies(deputies, complete, went, item_tallies(campaign, deputies, community_id))


@dataclass
class MatrixRow:
    """One deputy's line of the matrix: their records by item id and their progress."""

    profile: DeputyProfile
    records: dict[int, ChecklistRecord]
    progress: Progress


SORTS = ("name", "progress", "-progress")


def matrix_query(campaign: Campaign, community_id: int | None = None, level: Level | None = None,
                 sort: str = "name") -> Select:
    """The matrix's deputies (profiles with user and community), filtered and in order, for paging.

    Sorting by progress counts each deputy's done records of the active items in the query itself,
    so a page of the sorted list never needs the other pages.
    """
    query = deputies_query(community=community_id, level=level, during=campaign_period(campaign))
    if sort in ("progress", "-progress"):  # within equal progress the roster order stays
        done = (
            select(func.count())
            .select_from(ChecklistRecord)
            .join(ChecklistItem)
            .where(ChecklistItem.campaign_id == campaign.id, _counted_item(campaign.ends_on),
                   ChecklistRecord.state.in_(DONE_STATES), ChecklistRecord.deputy_id == DeputyProfile.user_id)
            .scalar_subquery()
        )
        query = query.order_by(None).order_by(done.desc() if sort == "-progress" else done, Community.name, User.name)
    return query


def matrix_rows(campaign: Campaign, profiles: list[DeputyProfile]) -> list[MatrixRow]:
    """The matrix lines of `profiles` (a page of `matrix_query`): their records in one query."""
    by_deputy: dict[int, dict[int, ChecklistRecord]] = {profile.user_id: {} for profile in profiles}
    if by_deputy:
        records = db.session.scalars(
            select(ChecklistRecord)
            .join(ChecklistItem)
            .where(ChecklistItem.campaign_id == campaign.id, ChecklistRecord.deputy_id.in_(by_deputy))
            .options(joinedload(ChecklistRecord.community))
        )
        for record in records:
            by_deputy[record.deputy_id][record.item_id] = record
    return [MatrixRow(profile, by_deputy[profile.user_id], progress_of(campaign, by_deputy[profile.user_id]))
            for profile in profiles]


def review_query(campaign: Campaign, item_id: int | None = None, community_id: int | None = None,
                 state: RecordState | None = RecordState.RECORDED) -> Select:
    """The records of a campaign to review, filtered by item, community (where the duty was done) and state,
    by date then deputy."""
    query = (select(ChecklistRecord).join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
             .where(ChecklistItem.campaign_id == campaign.id)
             .options(joinedload(ChecklistRecord.deputy), joinedload(ChecklistRecord.item), joinedload(ChecklistRecord.community))
             .order_by(ChecklistRecord.done_on, ChecklistRecord.deputy_id, ChecklistRecord.id))
    if item_id:
        query = query.where(ChecklistRecord.item_id == item_id)
    if community_id:
        query = query.where(ChecklistRecord.community_id == community_id)
    if state is not None:
        query = query.where(ChecklistRecord.state == state)
    return query


def review_many(actor: User, record_ids: list[int], to: RecordState, note: str = "") -> tuple[int, int]:
    """Verify (or send back with one note) many records at once, each through the one-record service (one audit
    event each); (changed, left) where left were already there or cannot move so.

    The records are locked and read afresh first, so a twin request waits and then finds them done: a record is
    never verified twice, and a note is never overwritten by a stale read.
    """
    if to not in (RecordState.VERIFIED, RecordState.RETURNED):
        raise ServiceError(_("Please choose what to do with the selected records."))
    if to is RecordState.RETURNED:
        note = (note or "").strip()
        if not note:
            raise ServiceError(_("Please tell the deputy what to change."), "note")
        if len(note) > NOTE_MAX:
            raise ServiceError(_("At most %(n)d characters.", n=NOTE_MAX), "note")
    if not record_ids:
        raise ServiceError(_("Please select at least one record."))
    records = db.session.scalars(
        select(ChecklistRecord).where(ChecklistRecord.id.in_(record_ids)).order_by(ChecklistRecord.id)
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    changed = 0
    for record in records:
        if to not in TRANSITIONS[record.state]:
            continue
        if to is RecordState.VERIFIED:
            verify_record(actor, record)
        else:
            send_back_record(actor, record, note)
        changed += 1
    return changed, len(record_ids) - changed
