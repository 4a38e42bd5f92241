"""Telephony-side models: places, categories, agents, queues, members, merchants, calls, recordings.

Tickets and their loop live in hotline.db.service_models, console users in hotline.db.console_models;
importing this module registers all three on Base.metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db.base import Base, UTCDateTime, utcnow


class County(Base):
    """A county or district (县/区) with its own call platform and queue."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str | None] = mapped_column(String(8))
    is_center: Mapped[bool] = mapped_column(Boolean, default=False)
    # Business hours: which days (workdays | daily | always, see hotline.routing.hours) and the
    # local opening and closing time ("08:00"); the queue a waiting caller overflows to, and when.
    hours_days: Mapped[str] = mapped_column(String(16), default="always")
    hours_open: Mapped[str | None] = mapped_column(String(5))
    hours_close: Mapped[str | None] = mapped_column(String(5))
    overflow_queue: Mapped[str | None] = mapped_column(String(48))
    overflow_wait: Mapped[int | None] = mapped_column(Integer)
    # Digit the IVR's district menu uses for this county (None: not offered)
    menu_digit: Mapped[str | None] = mapped_column(String(1))


class CountyDid(Base):
    """A number dialled into the center that belongs to one county (its own DID)."""

    __tablename__ = "county_dids"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"), index=True)

    county: Mapped[County] = relationship()


class CountyPrefix(Base):
    """A caller-number prefix (national form, fixed line with its 0, or mobile segment) of a county.
    The longest matching prefix wins."""

    __tablename__ = "county_prefixes"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # fixed | mobile
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id", ondelete="CASCADE"), index=True)

    county: Mapped[County] = relationship()


class ServiceCategory(Base):
    """One node of the service taxonomy (top level has no parent)."""

    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"))


class Queue(Base):
    """An app_queue queue; rendered into queues.conf."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    strategy: Mapped[str] = mapped_column(String(16), default="rrmemory")
    ring_timeout: Mapped[int] = mapped_column(Integer, default=15)
    wrapup_time: Mapped[int] = mapped_column(Integer, default=0)
    # Skill group this queue serves within its county (None: the county's general intake queue)
    skill: Mapped[str | None] = mapped_column(String(32))
    # Longest a caller waits before the queue gives up on them (None: no limit; the county overflow
    # applies first); announcements of position and estimated wait every announce_frequency seconds
    # (0: never); a waiting caller may press 1 for a callback; nobody logged in: leave a message.
    max_wait: Mapped[int | None] = mapped_column(Integer)
    announce_frequency: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    announce_holdtime: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    callback: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    message_when_empty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    county: Mapped[County | None] = relationship()


class Agent(Base):
    """A seat: a person with a SIP endpoint, belonging to a county."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(24), default="intake")
    endpoint: Mapped[str] = mapped_column(String(48), unique=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    # Owned by the application (hotline.acd.states), mirrored into app_queue.
    state: Mapped[str] = mapped_column(String(16), default="logged_out", server_default="logged_out")
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    county: Mapped[County | None] = relationship()

    @property
    def logged_in(self) -> bool:
        return self.state != "logged_out"


class AgentSkill(Base):
    """An agent's level in a skill group: 0 is the best; app_queue rings lower penalties first."""

    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("agent_id", "skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    skill: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=0)


class AgentStateChange(Base):
    """Every change of an agent's state, with its time, reason and who asked (cli, console, acd)."""

    __tablename__ = "agent_state_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))


class Member(Base):
    """A caller or web customer (会员); identified by a normalised phone number."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    address: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(
        String(8), default="call", server_default="call"
    )  # call | web | console
    notes: Mapped[str | None] = mapped_column(Text)

    county: Mapped[County | None] = relationship()


merchant_categories = Table(
    "merchant_categories",
    Base.metadata,
    Column("merchant_id", ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("service_categories.id", ondelete="CASCADE"), primary_key=True),
)
merchant_counties = Table(
    "merchant_counties",
    Base.metadata,
    Column("merchant_id", ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True),
    Column("county_id", ForeignKey("counties.id", ondelete="CASCADE"), primary_key=True),
)


class Merchant(Base):
    """A contracted service company (签约商户)."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    phone: Mapped[str] = mapped_column(String(24))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"))
    contract_status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended | ended
    credit_points: Mapped[int] = mapped_column(Integer, default=0)
    contact_name: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(255))
    # Categories and counties served (hotline.db.service_models); category_id/county_id are the main ones
    categories: Mapped[list[ServiceCategory]] = relationship(secondary=merchant_categories)
    counties: Mapped[list[County]] = relationship(secondary=merchant_counties)


class Call(Base):
    """One row per call, from the moment it enters the center to its end."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), index=True)
    linked_id: Mapped[str | None] = mapped_column(String(64))
    caller_number: Mapped[str] = mapped_column(String(32), index=True)  # the desk's past calls of a caller
    dialed_number: Mapped[str] = mapped_column(String(32))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    via: Mapped[str] = mapped_column(String(16))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_name: Mapped[str | None] = mapped_column(String(48))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    disposition: Mapped[str] = mapped_column(String(16), default="active")
    hangup_cause: Mapped[str | None] = mapped_column(String(32))
    # Localized routing: why the call went to its county (did | member | prefix | geo | choice | default)
    routing_reason: Mapped[str | None] = mapped_column(String(16))
    routing_detail: Mapped[str | None] = mapped_column(String(255))
    # What the IVR learnt: language, category, urgency, and the path (nodes, digits) as a JSON list
    language: Mapped[str | None] = mapped_column(String(8))
    category_code: Mapped[str | None] = mapped_column(String(48))
    urgency: Mapped[str | None] = mapped_column(String(16))
    flow_version: Mapped[int | None] = mapped_column(Integer)
    ivr_path: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    # Queue accounting (from Asterisk's queue_log): seconds waited in queues (overflow included),
    # seconds talked, and how the last queue entry ended (a queue_log verb: COMPLETECALLER, ABANDON...)
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float | None] = mapped_column(Float)
    queue_outcome: Mapped[str | None] = mapped_column(String(24))

    county: Mapped[County | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    recordings: Mapped[list[Recording]] = relationship(back_populates="call", order_by="Recording.id")
    callback: Mapped[Callback | None] = relationship(viewonly=True)
    legs: Mapped[list[CallLeg]] = relationship(order_by="CallLeg.id", viewonly=True)


class Recording(Base):
    """An audio file of a call's conversation, with what was measured of it."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    # Which leg was recorded (inbound: the caller's channel; later outbound legs) and its channel
    leg: Mapped[str] = mapped_column(String(16), default="inbound", server_default="inbound")
    channel_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    duration_s: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship(back_populates="recordings")


class QueueEvent(Base):
    """One queue event with Asterisk's queue_log verbs (ENTERQUEUE, CONNECT, ABANDON, ...): the lines
    app_queue writes, and the application's own (AGENTLOGIN, AGENTLOGOFF). Reports read these."""

    __tablename__ = "queue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), index=True)  # queue_log's call id
    queue: Mapped[str] = mapped_column(String(48))
    agent: Mapped[str | None] = mapped_column(String(48))
    event: Mapped[str] = mapped_column(String(24), index=True)
    data: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(8), default="asterisk")  # asterisk | hotline


class CallLeg(Base):
    """An agent's part in a call (answered from a queue, a transfer or a pickup): every leg of an
    interaction carries the call's id, so one call row holds them all."""

    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    endpoint: Mapped[str] = mapped_column(String(48))
    channel: Mapped[str | None] = mapped_column(String(96))  # Asterisk's channel name, for transfers
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent: Mapped[Agent | None] = relationship()


class Callback(Base):
    """A waiting caller's request to be called back, keeping their place in the queue: at most one per
    call. A placeholder waits in the queue at their position and dials them when an agent takes it."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    queue: Mapped[str] = mapped_column(String(48))
    number: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)  # the caller's place when they pressed 1
    # due (to be placed in the queue at next_at) | queued (placeholder waiting) | dialing | answered | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str | None] = mapped_column(String(16))  # Dial's DIALSTATUS of the last attempt
    channel_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the placeholder in the queue
    recording: Mapped[str | None] = mapped_column(
        Text
    )  # where the current attempt is recorded (Asterisk's path)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IngestCursor(Base):
    """How far a log file has been read into the database (file identity and byte offset)."""

    __tablename__ = "ingest_cursors"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    inode: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IvrFlow(Base):
    """One loaded version of an IVR flow; the newest version of a name is the one new calls run."""

    __tablename__ = "ivr_flows"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, object]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingMessage(Base):
    """A voice message a caller left in the IVR: a pending item for the next agent of its queue."""

    __tablename__ = "pending_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    queue_name: Mapped[str | None] = mapped_column(String(48))
    path: Mapped[str] = mapped_column(Text)
    duration_s: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | taken | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# Registers the other model modules whenever this one is imported (mapper configuration needs them all).
from hotline.db import console_models, service_models  # noqa: E402, F401
