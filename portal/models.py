"""Database tables, as typed SQLAlchemy 2 models, and the enums they use."""
import enum
from datetime import date, datetime, timedelta, timezone
from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import CheckConstraint, Date, DateTime, Enum, ForeignKey, Index, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .clock import local_day_start
from .extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def enum_column(enum_cls: type[enum.Enum], length: int = 16, name: str | None = None) -> Enum:
    """A portable enum column: a VARCHAR with a CHECK, storing the member values.

    `name` names the CHECK when one table has two columns of the same enum.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        name=name or enum_cls.__name__.lower(),
        validate_strings=True,
    )


class Role(str, enum.Enum):
    """What a user may do; admin can do everything staff can."""

    ADMIN = "admin"
    STAFF = "staff"
    DEPUTY = "deputy"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {Role.ADMIN: _l("Administrator"), Role.STAFF: _l("Staff"), Role.DEPUTY: _l("Deputy")}


class Level(str, enum.Enum):
    """The People's Congress a deputy was elected to."""

    CITY = "city"
    DISTRICT = "district"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {Level.CITY: _l("City"), Level.DISTRICT: _l("District")}


class Community(db.Model):
    """A residential community (社区) of the street."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    deputies: Mapped[list["DeputyProfile"]] = relationship(back_populates="community")

    def __repr__(self) -> str:
        return f"<Community {self.name}>"


class User(UserMixin, db.Model):
    """A login: admin, staff or deputy."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[Optional[str]] = mapped_column(String(16))
    large_text: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The secret in the address of the deputy's calendar feed; renewing it retires the old address.
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of every session and remember-me cookie; bumping it ends them all (see get_id).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # An imported initial password (hashed cheaply, see accounts.importing) must be replaced first.
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    deputy: Mapped[Optional["DeputyProfile"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """The session's user id, "id:version": a bumped version logs out every old session."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        """True if the user holds one of `roles`; admin counts as staff."""
        return self.role in roles or (self.role is Role.ADMIN and Role.STAFF in roles)

    @property
    def is_active_deputy(self) -> bool:
        """An active user with role deputy and a profile: the rule `accounts.services.deputies_query` applies in SQL."""
        return self.active and self.role is Role.DEPUTY and self.deputy is not None

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class AnonymousUser(AnonymousUserMixin):
    """The visitor who has not logged in; answers the same questions as a User."""

    role = None
    name = ""
    large_text = False
    deputy = None
    locale = None

    def has_role(self, *roles: Role) -> bool:
        return False


class DeputyProfile(db.Model):
    """A deputy's particulars, one per user with role deputy."""

    __tablename__ = "deputy_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    expertise: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")

    user: Mapped[User] = relationship(back_populates="deputy")
    community: Mapped[Community] = relationship(back_populates="deputies")

    __audit_parent__ = ("User", "user_id")

    @property
    def name(self) -> str:
        return self.user.name


class Term(db.Model):
    """A term of the people's congress (届, e.g. 第十七届): its name and its first and last day."""

    __tablename__ = "terms"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="term_dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<Term {self.name}>"


class Membership(db.Model):
    """A stretch of days a user was a deputy, in one community (and one term, when terms are kept).

    A deputy's stretches never overlap; a move ends one and starts the next, deactivation ends the last.
    `starts_at`/`ends_before` are the same days as instants (local midnights, UTC), so a meeting's start can
    be compared with them in SQL; they follow the dates (see `portal.membership`).
    """

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="membership_dates"),
        Index("ix_memberships_deputy_days", "deputy_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    term_id: Mapped[Optional[int]] = mapped_column(ForeignKey("terms.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[Optional[date]] = mapped_column(Date)  # the last day counted; None while it lasts
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_before: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    deputy: Mapped[User] = relationship()
    community: Mapped[Community] = relationship()
    term: Mapped[Optional[Term]] = relationship()

    __audit_parent__ = ("User", "deputy_id")
    __audit_dates__ = ("ends_on", "starts_on")

    @validates("starts_on")
    def _starts(self, _key, day: date) -> date:
        self.starts_at = local_day_start(day)
        return day

    @validates("ends_on")
    def _ends(self, _key, day: date | None) -> date | None:
        self.ends_before = None if day is None else local_day_start(day + timedelta(days=1))
        return day

    def __repr__(self) -> str:
        return f"<Membership {self.deputy_id} {self.community_id} {self.starts_on}..{self.ends_on}>"


class Setting(db.Model):
    """A value the admin sets in the portal, by key (the committee's name)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class SubmissionKey(db.Model):
    """A create form's one-time key, kept once used: a resent form finds the record it made."""

    __tablename__ = "submission_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __audit__ = False  # a one-time form key, not a record: the record it made is audited


class DataVersion(db.Model):
    """A row per kind of data: a random token every transaction writing that kind replaces (see portal/figures_cache.py)."""

    __tablename__ = "data_versions"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))

    __audit__ = False  # a cache key, not a record
