"""Domain models of the first schema: places, categories, agents, queues, members, merchants, calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
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
    logged_in: Mapped[bool] = mapped_column(Boolean, default=False)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    county: Mapped[County | None] = relationship()


class Member(Base):
    """A caller or web customer (会员); identified by a normalised phone number."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    address: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    county: Mapped[County | None] = relationship()


class Merchant(Base):
    """A contracted service company (签约商户)."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    phone: Mapped[str] = mapped_column(String(24))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("service_categories.id"))
    contract_status: Mapped[str] = mapped_column(String(16), default="active")
    credit_points: Mapped[int] = mapped_column(Integer, default=0)


class Call(Base):
    """One row per call, from the moment it enters the center to its end."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), index=True)
    linked_id: Mapped[str | None] = mapped_column(String(64))
    caller_number: Mapped[str] = mapped_column(String(32))
    dialed_number: Mapped[str] = mapped_column(String(32))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    via: Mapped[str] = mapped_column(String(16))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_name: Mapped[str | None] = mapped_column(String(48))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    disposition: Mapped[str] = mapped_column(String(16), default="active")
    hangup_cause: Mapped[str | None] = mapped_column(String(32))

    county: Mapped[County | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    recordings: Mapped[list[Recording]] = relationship(back_populates="call", order_by="Recording.id")


class Recording(Base):
    """An audio file of a call's conversation, with what was measured of it."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    duration_s: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship(back_populates="recordings")
