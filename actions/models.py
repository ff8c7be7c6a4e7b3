"""The database schema: residents, households and contracts, providers and their
schedules, slots, bookings, and the records the centre needs (emergencies, call-back
requests, service requests).

Times are stored in UTC (timezone-aware columns); they are shown in the resident's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python whatever the database: SQLite keeps no offset, so values
    are stored as UTC and come back marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Team(Base):
    """A family-doctor team (家庭医生团队): a doctor, nurses and public-health staff."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    community: Mapped[str] = mapped_column(String(64))

    providers: Mapped[list[Provider]] = relationship(back_populates="team")


class Provider(Base):
    """Anyone who delivers a service: family doctor, nurse, specialist, therapist,
    counsellor, public-health staff or volunteer."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    gender: Mapped[str] = mapped_column(String(8))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    site_zh: Mapped[str] = mapped_column(String(128), default="")
    site_en: Mapped[str] = mapped_column(String(128), default="")
    services: Mapped[list[str]] = mapped_column(default=list)
    # Set when the provider links a Telegram account with an invite code.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team | None] = relationship(back_populates="providers")


class ScheduleRule(Base):
    """Weekly working hours from which slots are generated."""

    __tablename__ = "schedule_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    modality: Mapped[str] = mapped_column(String(16))  # home_visit | clinic | online
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Restricts the session to these services (e.g. a vaccination clinic); None = any
    # service the provider delivers.
    services: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class ScheduleException(Base):
    """A day (or part of one) without service: leave, training, a public holiday.
    provider_id None means the whole centre."""

    __tablename__ = "schedule_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(128), default="")


class Slot(Base):
    """A concrete bookable time of one provider, with its capacity."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("provider_id", "starts_at", "modality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    modality: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    services: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    provider: Mapped[Provider] = relationship()


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2), default="zh")
    consent_at: Mapped[datetime | None]
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(256))
    community: Mapped[str] = mapped_column(String(64), default="")
    priority_groups: Mapped[list[str]] = mapped_column(default=list)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(64))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(32))
    emergency_contact_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    voice_replies: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    household: Mapped[Household | None] = relationship()

    @property
    def onboarded(self) -> bool:
        return bool(self.consent_at and self.name and self.phone and self.birth_year)


class Contract(Base):
    """A family-doctor contract (家庭医生签约): one active contract per household."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index(
            "uq_contracts_active_household",
            "household_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    signed_by_resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    signed_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    provider: Mapped[Provider] = relationship()


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        # A resident holds a slot at most once while the booking stands: a double tap
        # on confirm cannot book twice.
        Index(
            "uq_bookings_active_slot_resident",
            "slot_id",
            "resident_id",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'accepted')"),
            postgresql_where=text("status IN ('confirmed', 'accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(32))
    modality: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    # confirmed -> accepted -> done | no_show ; or cancelled | declined
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    channel: Mapped[str] = mapped_column(String(16), default="buttons")
    # What the resident asked, in their own words (shown to the provider only).
    request_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    slot: Mapped[Slot] = relationship()
    provider: Mapped[Provider] = relationship()
    resident: Mapped[Resident] = relationship()


class ServiceRequest(Base):
    """One request for a service, whether or not it ended in a booking (match rate)."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    service_code: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="buttons")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    offered_slots: Mapped[int] = mapped_column(Integer, default=0)
    # For a request in words (typed or spoken): whether the service was understood
    # from the words, or the resident had to pick it from the buttons. None for taps.
    understood: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    booked_at: Mapped[datetime | None]


class EmergencyEvent(Base):
    """A red flag raised by triage. The message text is not kept, only the category."""

    __tablename__ = "emergency_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    urgency: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="text")
    doctor_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CallbackRequest(Base):
    """ "Ask my family doctor to call me back": the human fallback."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    reason: Mapped[str] = mapped_column(String(32))  # urgent | voice | help | other
    voice_file_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Who was asked to call: doctor | team | duty; None while nobody could be.
    routed_to: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    resident: Mapped[Resident] = relationship()
    provider: Mapped[Provider | None] = relationship()


class ProviderInvite(Base):
    """A one-time code a provider sends to the bot to link their Telegram account.
    Only a hash of the code is stored."""

    __tablename__ = "provider_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Outbox(Base):
    """One message to send: the source of truth for notifications. Rows are rendered
    when they are written, so a send needs nothing but the row."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # resident | provider | staff | contact
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime]
    # pending -> sending -> sent | failed ; pending -> retracted
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[datetime | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # 0 emergency, 1 call-back, 2 booking change and the rest, 3 reminder: lower first.
    priority: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    # The resident the message is about (deleting their data deletes it).
    resident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The dispatcher holding the lease while it sends.
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    # When an undelivered emergency alert was passed to the duty chat.
    escalated_at: Mapped[datetime | None]


class BookingEvent(Base):
    """What happened to a booking after it was made (accepted, proposed, declined,
    done, no-show, rating requested): response times come from here."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(16))  # provider | resident | system
    created_at: Mapped[datetime]
    # A short code, e.g. the reason a provider gave for declining.
    detail: Mapped[str | None] = mapped_column(String(32))


class Proposal(Base):
    """Another time a provider may propose for a booking. The provider's and the
    resident's buttons name only the proposal's id: the slot, the booking and who may
    act on it are read from here, never from the button."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    # candidate (shown to the provider) -> offered (sent to the resident) -> taken;
    # or withdrawn
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class RatingRequest(Base):
    """A request to rate a finished visit. The star buttons name only its id."""

    __tablename__ = "rating_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class Rating(Base):
    """One rating per booking."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="buttons")
    created_at: Mapped[datetime]


class FollowUp(Base):
    """A low rating (2 or less) the centre's staff follow up."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class WebLogin(Base):
    """A one-time link to the web pages (staff: the whole centre; a provider: their own
    residents and bookings). Only a hash of the token is stored."""

    __tablename__ = "web_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # staff | provider
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    # Who asked for it in the bot; None when an operator made it on the command line.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


# ---------------------------------------------------------------------------- chronic care
# 医防融合: care plans with due dates, home readings and the doctor's reviews of them,
# follow-up calls after a service, family accounts (亲情账户), group sessions (health
# lectures and classes) and waitlists.


class CarePlanItem(Base):
    """One due item of a resident's care plan (a quarterly blood-pressure follow-up, the
    annual 65+ check-up …): open -> offered -> booked -> done. Past its due date and
    not done it goes to the family doctor's agenda (escalated_at)."""

    __tablename__ = "care_plan_items"
    __table_args__ = (UniqueConstraint("resident_id", "plan_code", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    plan_code: Mapped[str] = mapped_column(String(32))
    service_code: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    offered_at: Mapped[datetime | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    resident: Mapped[Resident] = relationship()


class Reading(Base):
    """A home measurement: blood pressure (mmHg) or blood glucose (mmol/L), with the
    level the thresholds gave it."""

    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # bp | glucose
    systolic: Mapped[int | None] = mapped_column(Integer)
    diastolic: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    glucose: Mapped[float | None]
    context: Mapped[str | None] = mapped_column(String(16))  # fasting | after_meal | random
    # normal | high | very_high | low (hypoglycaemia or very low blood pressure)
    level: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="text")
    # A family member who reported it for the resident.
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    measured_at: Mapped[datetime] = mapped_column(index=True)


class ReadingReview(Base):
    """A reading the family doctor must look at: urgent (very high, hypoglycaemia) or
    repeated high readings. The doctor's guidance goes back to the resident."""

    __tablename__ = "reading_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id", ondelete="SET NULL"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # urgent | repeated
    status: Mapped[str] = mapped_column(String(16), default="open")  # open -> answered
    guidance: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    resident: Mapped[Resident] = relationship()


class FollowUpCall(Base):
    """The family doctor's phone follow-up within a day after a service."""

    __tablename__ = "follow_up_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open -> done
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    resident: Mapped[Resident] = relationship()


class FamilyLink(Base):
    """亲情账户: a family member linked to an elderly resident with the resident's
    consent. pending (a code was issued) -> active (the resident confirmed it) ->
    revoked. Only a hash of the code is kept."""

    __tablename__ = "family_links"
    __table_args__ = (
        Index(
            "uq_family_links_active_pair",
            "elder_id",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    elder_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16), default="parent")  # the elder is the member's …
    status: Mapped[str] = mapped_column(String(16), default="pending")
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None]
    # The member also gets the elder's reminders and alerts.
    receives_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    member: Mapped[Resident] = relationship(foreign_keys=[member_id])
    elder: Mapped[Resident | None] = relationship(foreign_keys=[elder_id])


class ProxyBooking(Base):
    """A booking a family member made for the resident."""

    __tablename__ = "proxy_bookings"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class GroupSession(Base):
    """A health lecture or class (健康讲座, 小课堂) with a capacity, from data/care.yaml."""

    __tablename__ = "group_sessions"
    __table_args__ = (UniqueConstraint("code", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # lecture | class
    title_zh: Mapped[str] = mapped_column(String(128))
    title_en: Mapped[str] = mapped_column(String(128))
    place_zh: Mapped[str] = mapped_column(String(128), default="")
    place_en: Mapped[str] = mapped_column(String(128), default="")
    host_code: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class SessionSignup(Base):
    """A seat at a group session: signed -> attended | no_show ; or cancelled."""

    __tablename__ = "session_signups"
    __table_args__ = (
        Index(
            "uq_session_signups_active",
            "session_id",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'signed'"),
            postgresql_where=text("status = 'signed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="signed")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]

    session: Mapped[GroupSession] = relationship()
    resident: Mapped[Resident] = relationship()


class WaitlistEntry(Base):
    """A place in line for a fully booked slot or session. When a seat is freed the
    first in line is offered it with a short hold: the seat is taken for them
    (waiting -> offered) until they take it (taken) or the hold runs out (expired,
    and the next in line is offered it)."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_target", "target_kind", "target_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(8))  # slot | session
    target_id: Mapped[int] = mapped_column(Integer)
    service_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime]
    offered_at: Mapped[datetime | None]
    hold_until: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    resident: Mapped[Resident] = relationship()
