"""The points rules (set by the administrator, dated) and publishing a quarter (季度亮分), kept as published."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..bounds import FIRST_DAY, LAST_DAY
from ..clock import local_today
from ..errors import ServiceError, add_or_existing
from ..extensions import db
from ..models import Role, User
from ..periods import Period, quarter_of
from .models import DutyKind, PointRule, Publication, PublishedRow
from .scoring import ZERO, points_table, rules

LIMIT = Decimal(1000)  # no single duty or cap is worth more than this


@dataclass(frozen=True)
class Weight:
    """What the form gives for one kind: its points and its cap per quarter (None: no cap)."""

    points: Decimal | str | None
    cap: Decimal | str | None = None


def rule_sets() -> list[tuple[date, dict[DutyKind, tuple[Decimal, Decimal | None]]]]:
    """Every rule set (effective date and the weights of each kind), latest first."""
    sets: dict[date, dict] = {}
    for effective_on, kind, points, cap in rules():
        sets.setdefault(effective_on, {})[kind] = (points, cap)
    return sorted(sets.items(), reverse=True)


def last_published_day() -> date | None:
    """The last day of the latest published quarter: rules may change only after it."""
    return db.session.scalar(select(func.max(Publication.ends_on)))


def _tenths(value: Decimal | str | None, field: str, allow_negative: bool) -> Decimal | None:
    if isinstance(value, str):
        value = value.strip().replace("−", "-") or None
    if value is None:
        return None
    try:
        exact = Decimal(value)
        if not exact.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ServiceError(_("Enter a number with at most one decimal place, e.g. 0.5."), field) from None
    if exact != exact.quantize(Decimal("0.1")):
        raise ServiceError(_("Enter a number with at most one decimal place, e.g. 0.5."), field)
    if abs(exact) >= LIMIT or (exact < 0 and not allow_negative):
        raise ServiceError(_("Enter a number between %(low)s and %(high)s.", low=-999.9 if allow_negative else 0,
                             high=999.9), field)
    return exact.quantize(Decimal("0.1"))


def save_rules(actor: User, effective_on: date | None, weights: dict[DutyKind, Weight]) -> date:
    """Set the weights of every kind from `effective_on` on (replacing a set of the same day); never on or before
    a published quarter's last day, so a published quarter keeps the rules it was published under."""
    if not actor.has_role(Role.ADMIN):
        raise ServiceError(_("Only the administrator may change the points rules."))
    if effective_on is None:
        raise ServiceError(_("Please enter the date."), "effective_on")
    published = last_published_day()
    if published is not None and effective_on <= published:
        raise ServiceError(_("The quarter up to %(day)s is published: new rules can take effect from the day after it.",
                             day=published.isoformat()), "effective_on")
    checked = {}
    for kind in DutyKind:
        weight = weights.get(kind, Weight(ZERO))
        points = _tenths(weight.points, f"points_{kind.value}", allow_negative=True)
        checked[kind] = (ZERO if points is None else points, _tenths(weight.cap, f"cap_{kind.value}", allow_negative=False))
    db.session.execute(delete(PointRule).where(PointRule.effective_on == effective_on))
    for kind, (points, cap) in checked.items():
        db.session.add(PointRule(effective_on=effective_on, kind=kind, points=points, cap=cap, set_by_id=actor.id))
    db.session.flush()
    return effective_on


def publishable_quarters(today: date | None = None, count: int = 4) -> list[Period]:
    """The last `count` quarters that have ended, latest first: the ones staff may publish."""
    found = []
    day = quarter_of(today or local_today()).start
    for _step in range(count):
        found.append(quarter_of(day - timedelta(days=1)))
        day = found[-1].start
    return found


def publish_quarter(actor: User, starts_on: date | None) -> Publication:
    """Publish the quarter starting on `starts_on` (ended, not yet published): its live table stored as it is."""
    if not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only the committee office publishes the points."))
    if starts_on is None or not FIRST_DAY <= starts_on <= LAST_DAY or quarter_of(starts_on).start != starts_on:
        raise ServiceError(_("Please choose a quarter."), "quarter")
    quarter = quarter_of(starts_on)
    if quarter.end >= local_today():
        raise ServiceError(_("A quarter is published once it has ended."), "quarter")

    def existing() -> Publication | None:
        return db.session.scalar(select(Publication).where(Publication.starts_on == quarter.start))

    # The quarter's row goes in first, in a savepoint: a twin publishing at the same moment finds it and stops.
    publication = Publication(starts_on=quarter.start, ends_on=quarter.end, published_by_id=actor.id)
    if existing() is not None or add_or_existing(publication, existing) is not publication:
        raise ServiceError(_("This quarter has already been published."), "quarter")
    for position, row in enumerate(points_table(quarter)):
        publication.rows.append(PublishedRow(
            deputy_id=row.deputy_id, position=position, rank=row.rank, name=row.name, community=row.community,
            days=row.days, points=row.points,
            kinds={kind.value: [count, str(points)] for kind, (count, points) in row.kinds.items()},
        ))
    db.session.flush()
    return publication


def set_show_ranking(actor: User, publication: Publication, show: bool) -> Publication:
    """Let deputies see the whole published table (or only their own line again)."""
    if not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only the committee office publishes the points."))
    publication.show_ranking = show
    db.session.flush()
    return publication


@dataclass
class Difference:
    """A deputy whose live figures for a published quarter differ from the publication (a later correction)."""

    deputy_id: int
    name: str
    published_days: int | None
    published_points: Decimal | None
    live_days: int | None
    live_points: Decimal | None


def differences(publication: Publication) -> dict[int, Difference]:
    """The deputies whose days or points now differ from what was published, by deputy."""
    live = {row.deputy_id: row for row in points_table(Period(publication.starts_on, publication.ends_on))}
    found = {}
    for row in publication.rows:
        now = live.pop(row.deputy_id, None)
        if now is None or (now.days, now.points) != (row.days, row.points):
            found[row.deputy_id] = Difference(row.deputy_id, row.name, row.days, row.points,
                                              now and now.days, now and now.points)
    for deputy_id, now in live.items():
        found[deputy_id] = Difference(deputy_id, now.name, None, None, now.days, now.points)
    return found


def published_line(publication: Publication, deputy_id: int) -> PublishedRow | None:
    """A deputy's own line of a publication."""
    return next((row for row in publication.rows if row.deputy_id == deputy_id), None)


def publications() -> list[Publication]:
    """The published quarters, latest first."""
    return list(db.session.scalars(select(Publication).order_by(Publication.starts_on.desc())))
