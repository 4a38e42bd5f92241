"""The demo city's service loop: merchants with categories, areas, staff and credit, and tickets in
every kind of state, seeded through the workflow; seeding again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from hotline.db.base import Base
from hotline.db.models import Merchant
from hotline.db.service_models import CreditEvent, Dispatch, MerchantStaff, ReturnVisit, Ticket, TicketEvent
from hotline.db.session import Database
from hotline.services.seed import seed_demo
from hotline.tickets.actions import load_ticket
from hotline.tickets.dispatching import dispatch_candidates
from hotline.tickets.merchants import merchant_ranking
from hotline.tickets.visits import visit_worklist

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
COUNTED: tuple[type[Base], ...] = (
    Ticket,
    TicketEvent,
    Dispatch,
    ReturnVisit,
    CreditEvent,
    MerchantStaff,
    Merchant,
)


def counts(database: Database) -> dict[str, object]:
    with database.session() as session:
        rows: dict[str, object] = {
            m.__name__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED
        }
        rows["points"] = {
            name: points for name, points in session.execute(select(Merchant.name, Merchant.credit_points))
        }
        return rows


def test_the_demo_has_a_service_loop_to_show_and_seeding_again_changes_nothing(database: Database) -> None:
    with database.session() as session:
        summary = seed_demo(session)
    assert (summary["tickets"], summary["merchants"]) == (11, 10)
    before = counts(database)
    assert before["Ticket"] == 11 and before["MerchantStaff"] == 7
    with database.session() as session:
        seed_demo(session)
    assert counts(database) == before
    with database.session() as session:
        visits = [(i.ticket.number, i.visit.kind, i.overdue) for i in visit_worklist(session, now=NOW)]
        assert visits == [
            ("20261122-0001", "contact_check", True),
            ("20261122-0001", "final", True),
            ("20261123-0001", "final", True),
            ("20261126-0001", "reply", True),
            ("20261128-0001", "measure_check", True),
        ]
        leaking = load_ticket(session, "20261127-0001")
        candidates = [
            (c.merchant.name, c.refused) for c in dispatch_candidates(session, leaking, include_refused=True)
        ]
        assert candidates == [("鹏城综合维修服务公司", False), ("福田万家水电维修部", True)]
        top = merchant_ranking(session, limit=1)[0]
        assert (top.merchant.name, top.merchant.credit_points, top.level.symbols) == (
            "龙岗康乐养老服务中心",
            953,
            "◆◆",
        )
        suspended = session.scalars(select(Merchant).where(Merchant.contract_status == "suspended")).one()
        assert suspended.name not in [r.merchant.name for r in merchant_ranking(session)]
