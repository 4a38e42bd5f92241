"""The center's service loop: tickets and their timeline, dispatches to merchants, return visits,
merchant staff and credit, and web orders. The workflow that moves them is hotline.tickets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db.base import Base, UTCDateTime, utcnow
from hotline.db.models import County, Member, Merchant


class Ticket(Base):
    """A ticket (工单): one need of a member, from intake to closing. Its status moves only through
    hotline.tickets.workflow; `version` guards against two agents changing it at once."""

    __tablename__ = "tickets"
    # a county's or a merchant's newest tickets, read in order (benchmarks.tickets)
    __table_args__ = (
        Index("ix_tickets_status_type", "status", "type"),
        Index("ix_tickets_county_id_created_at", "county_id", "created_at"),
        Index("ix_tickets_merchant_id_created_at", "merchant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # 20261122-0001
    type: Mapped[str] = mapped_column(String(16))  # consultation | service | complaint | suggestion
    status: Mapped[str] = mapped_column(String(24))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    category_code: Mapped[str | None] = mapped_column(String(48))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    urgency: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8), default="phone", server_default="phone")  # phone|web|api
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(24))
    address: Mapped[str | None] = mapped_column(String(255))
    # The answer of a consultation, the measure taken on a complaint, the managers' reply to a suggestion
    answer: Mapped[str | None] = mapped_column(Text)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))  # current one
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    county: Mapped[County | None] = relationship()
    member: Mapped[Member | None] = relationship()
    merchant: Mapped[Merchant | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        order_by="TicketEvent.id", back_populates="ticket", cascade="all, delete-orphan"
    )
    dispatches: Mapped[list[Dispatch]] = relationship(order_by="Dispatch.id", viewonly=True)
    visits: Mapped[list[ReturnVisit]] = relationship(order_by="ReturnVisit.due_at", viewonly=True)


class TicketEvent(Base):
    """One entry on a ticket's timeline: who did what, when, and the status it moved between."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))  # the user's name, or "system", "web", "api:<user>"
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, object] | None] = mapped_column(JSON)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketCounter(Base):
    """The last serial handed out on a day: ticket numbers are <yyyymmdd>-<serial>."""

    __tablename__ = "ticket_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Dispatch(Base):
    """A ticket offered to a merchant: offered, then accepted or refused (or withdrawn on re-dispatch)."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # offered | accepted | refused | withdrawn
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))  # the call to the merchant

    merchant: Mapped[Merchant] = relationship()


class ReturnVisit(Base):
    """A call back to the member (or suggester) that falls due at a time: +10 min after dispatch to
    check the merchant made contact, +24 h to rate the service, and the complaint and suggestion ones."""

    __tablename__ = "return_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(24))  # contact_check | final | measure_check | reply
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(24))
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1..5
    timely: Mapped[bool | None] = mapped_column(Boolean)
    fee_paid: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))  # the return-visit call


class MerchantStaff(Base):
    """A merchant's service worker with a certificate (not a system user)."""

    __tablename__ = "merchant_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    certificate: Mapped[str | None] = mapped_column(String(64))
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    valid_until: Mapped[date | None] = mapped_column(Date)


class CreditEvent(Base):
    """A change of a merchant's credit points, with its reason (rating, complaint, timeliness...)."""

    __tablename__ = "credit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class WebOrder(Base):
    """An order from the public web form: pending until an intake agent calls the member back to
    verify it; then it becomes a service ticket (or is rejected)."""

    __tablename__ = "web_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(24), index=True)  # normalised
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    category_code: Mapped[str | None] = mapped_column(String(48))
    address: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), default="pending", index=True
    )  # pending|verified|rejected
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
