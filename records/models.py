"""SQLAlchemy 2 models of the municipal records.

Texts that a migrant reads are stored per language in child tables, so a new language is
new rows, not new columns. A text copied by machine translation is marked as such.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}


class Service(Base):
    """A public service or procedure a migrant may need (CESFAM, Registro Civil, OMIL...)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    url: Mapped[str] = mapped_column(String(200), default="")
    texts: Mapped[list[ServiceText]] = relationship(
        back_populates="service", cascade="all, delete-orphan", lazy="selectin"
    )


class ServiceText(Base):
    __tablename__ = "service_texts"
    __table_args__ = (UniqueConstraint("service_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Words people use for this service in this language (typos welcome): matched fuzzily.
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False)
    service: Mapped[Service] = relationship(back_populates="texts")


class Workshop(Base):
    """A kind of course or workshop the Migrants Office runs (Spanish course, SENCE training...)."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    texts: Mapped[list[WorkshopText]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", lazy="selectin"
    )
    sessions: Mapped[list[WorkshopSession]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopSession.starts_on"
    )


class WorkshopText(Base):
    __tablename__ = "workshop_texts"
    __table_args__ = (UniqueConstraint("workshop_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False)
    workshop: Mapped[Workshop] = relationship(back_populates="texts")


class WorkshopSession(Base):
    """One dated run of a workshop, with a place and a fixed number of seats."""

    __tablename__ = "workshop_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    workshop: Mapped[Workshop] = relationship(back_populates="sessions", lazy="joined", innerjoin=True)


class Resident(Base):
    """A migrant who let us keep data. Only what a flow needs; erased on request."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120), unique=True)  # "telegram:123", "whatsapp:569..."
    language: Mapped[str] = mapped_column(String(8), default="es")
    name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentStatus(str, enum.Enum):
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Enrolment(Base):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(Enum(EnrolmentStatus, native_enum=False, length=20))
    # Order of arrival within the session: the waitlist is served by it.
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    session: Mapped[WorkshopSession] = relationship(lazy="joined", innerjoin=True)


class LeaseStatus(str, enum.Enum):
    received = "received"
    in_review = "in_review"
    documents_needed = "documents_needed"
    approved = "approved"
    rejected = "rejected"


class LeaseGuaranteeApplication(Base):
    __tablename__ = "lease_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    household_size: Mapped[int] = mapped_column(Integer)
    income_band: Mapped[str] = mapped_column(String(20))
    status: Mapped[LeaseStatus] = mapped_column(
        Enum(LeaseStatus, native_enum=False, length=20), default=LeaseStatus.received
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    history: Mapped[list[LeaseStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="LeaseStatusChange.at", lazy="selectin"
    )


class LeaseStatusChange(Base):
    __tablename__ = "lease_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("lease_applications.id", ondelete="CASCADE"))
    status: Mapped[LeaseStatus] = mapped_column(Enum(LeaseStatus, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")  # staff only: never shown to the applicant
    # What the applicant reads, by language ({"es": ..., "ht": ...}), written by staff.
    messages: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message the bot starts (waitlist promotion, status change), delivered by the gateway."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a message to someone who is not a registered resident (a mediator's reply).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A gateway claims a message before sending it, so two gateways never both send it;
    # a claim left by a crashed gateway expires and the message is tried again.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")


class Chat(Base):
    """One conversation on a channel, as the gateway sees it (no personal data beyond the address).

    `sender_id` is what Rasa knows the conversation by ("telegram:<chat id>", "whatsapp:<phone>").
    """

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="")
    # Written by the action server whenever the conversation's language changes.
    language: Mapped[str | None] = mapped_column(String(8))
    language_hint: Mapped[str | None] = mapped_column(String(16))
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Only one gateway process talks to Rasa for a chat at a time, in arrival order.
    lease_owner: Mapped[str | None] = mapped_column(String(60))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "We received your message" is said once per outage, not once per message.
    waiting_notice_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A yes/no question of the bot is open ("erase all your data?", written by the action server):
    # the answer goes to the bot, even while a mediator holds the conversation.
    awaiting_answer: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundState(str, enum.Enum):
    pending = "pending"  # kept until Rasa has answered it
    done = "done"
    ignored = "ignored"  # answered by a rule of the gateway (a sticker, a flood), not by Rasa


class InboundMessage(Base):
    """A message as received: stored before the channel is acknowledged, so it survives a crash
    or Rasa being down, and recognised when the channel delivers it again.

    The text is erased once answered; only the channel's message id stays, to spot redeliveries.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    state: Mapped[InboundState] = mapped_column(
        Enum(InboundState, native_enum=False, length=20), default=InboundState.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ButtonPayload(Base):
    """Rasa button payloads too long for a channel's button id (Telegram allows 64 bytes)."""

    __tablename__ = "button_payloads"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    # Last issued: a payload may hold words the person typed, so it goes with the retention.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TranslationCacheEntry(Base):
    """A machine translation already paid for (time, and a cloud service seeing the text once).

    The key is a hash of backend, languages and original text, so the original is not kept here.
    """

    __tablename__ = "translation_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    backend: Mapped[str] = mapped_column(String(20))
    text_out: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Mediator(Base):
    """An intercultural mediator of the Migrants Office, registered by staff: only they can take a
    conversation over. Identified by their Telegram user id (they work from their phones)."""

    __tablename__ = "mediators"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["es", "ht"]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoffState(str, enum.Enum):
    requested = "requested"  # waiting for a mediator to claim it
    held = "held"  # a mediator holds the conversation: the bot stays quiet
    ended = "ended"


class HandoffOutcome(str, enum.Enum):
    resolved = "resolved"
    referred = "referred"  # sent on to a service
    no_answer = "no_answer"  # the person did not answer
    timed_out = "timed_out"  # nobody claimed it, or it was abandoned


class Handoff(Base):
    """A conversation handed to a person. Times and outcome feed the office's indicators."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(120), index=True)
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[HandoffState] = mapped_column(
        Enum(HandoffState, native_enum=False, length=20), default=HandoffState.requested, index=True
    )
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediators.id", ondelete="SET NULL"))
    outcome: Mapped[HandoffOutcome | None] = mapped_column(Enum(HandoffOutcome, native_enum=False, length=20))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The request's post in the mediators' group (so it can be marked taken), and the last reminder.
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Posted to the mediators' group (set by the one gateway that posts it).
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last turns before the request, [{"who": "person"|"bot", "text": ...}], for the mediator
    # who claims it; erased with the messages some days after the end (records.handoffs.purge).
    transcript: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    mediator: Mapped[Mediator | None] = relationship(lazy="joined")


class HandoffMessage(Base):
    """One message relayed during a hand-off: the original as written, and the machine translation
    the other side read (if any). The Telegram id of its copy in the mediator's chat lets a
    mediator answer a particular person by replying to it."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    from_mediator: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    translated_by: Mapped[str] = mapped_column(String(20), default="")  # the backend; "" when not translated
    mediator_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    relayed: Mapped[bool] = mapped_column(Boolean, default=False)  # False: written while nobody held it yet
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- staff console (issue 5) -----------------------------------------------------------------------


class StaffRole(str, enum.Enum):
    staff = "staff"  # keeps the records, the FAQ and reads the indicators
    admin = "admin"  # also manages the accounts and the mediators


class StaffAccount(Base):
    """A person of the Migrants Office who signs in to the console. Only an argon2 hash is kept."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[StaffRole] = mapped_column(Enum(StaffRole, native_enum=False, length=20), default=StaffRole.staff)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Gender(str, enum.Enum):
    female = "female"
    male = "male"
    other = "other"
    undisclosed = "undisclosed"  # "prefiero no decirlo": always offered


class ResidentGender(Base):
    """Gender as the person said it, only for the indicators of flows that report it. Optional:
    a resident without a row counts as "not asked". Erased with the resident (FK cascade)."""

    __tablename__ = "resident_genders"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[Gender] = mapped_column(Enum(Gender, native_enum=False, length=20))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentProgress(Base):
    """What staff record about an enrolment after it starts: attendance, completion, certificate."""

    __tablename__ = "enrolment_progress"

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    sessions_attended: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    certificate_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FaqEntry(Base):
    """A frequent question staff keep in the console; `key` names the retrieval intent `faq/<key>`."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When its questions were last written into the NLU data of a model (None: never published).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    topic: Mapped[str] = mapped_column(String(40), default="")  # regularisation, health, work...
    # The official page the answer rests on, shown to the reader; or why there is none.
    source_url: Mapped[str] = mapped_column(String(500), default="")
    source_note: Mapped[str] = mapped_column(Text, default="")
    # A draft until office staff check it against its source; the bot says so meanwhile.
    verified_by: Mapped[str] = mapped_column(String(200), default="")
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    texts: Mapped[list[FaqText]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class FaqText(Base):
    """Question examples and the answer of an FAQ entry in one language. A machine draft stays
    unreviewed until a person approves it, and the bot says it is a translation meanwhile."""

    __tablename__ = "faq_texts"
    __table_args__ = (UniqueConstraint("entry_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text, default="")
    machine_translated: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FaqPublication(Base):
    """One Publish from the console: new FAQ questions written, a model trained and loaded.
    `state` is running, done or failed; `step` and `detail` are what staff see meanwhile."""

    __tablename__ = "faq_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default="running")
    step: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200), default="")
