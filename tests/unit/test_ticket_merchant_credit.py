"""Merchant credit: points from ratings, timeliness and upheld complaints; hearts and diamonds; the
public ranking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db.models import Merchant
from hotline.db.service_models import CreditEvent, MerchantStaff
from hotline.db.session import Database
from hotline.tickets.actions import apply, apply_fields
from hotline.tickets.errors import NotFound
from hotline.tickets.merchants import (
    RATING_POINTS,
    add_credit,
    credit_level,
    merchant_profile,
    merchant_ranking,
    recompute_credit,
)
from hotline.tickets.opening import open_ticket
from tests.unit.ticketdata import World, build_world, draft, ticket_at, user


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


@pytest.mark.parametrize(
    ("points", "kind", "count", "symbols"),
    [
        (-20, "none", 0, ""),
        (3, "none", 0, ""),
        (4, "heart", 1, "♥"),
        (10, "heart", 1, "♥"),
        (11, "heart", 2, "♥♥"),
        (41, "heart", 3, "♥♥♥"),
        (91, "heart", 4, "♥♥♥♥"),
        (250, "heart", 5, "♥♥♥♥♥"),
        (251, "diamond", 1, "◆"),
        (501, "diamond", 2, "◆◆"),
        (1001, "diamond", 3, "◆◆◆"),
        (2001, "diamond", 4, "◆◆◆◆"),
        (5001, "diamond", 5, "◆◆◆◆◆"),
        (10**6, "diamond", 5, "◆◆◆◆◆"),
    ],
)
def test_points_give_hearts_then_diamonds(points: int, kind: str, count: int, symbols: str) -> None:
    level = credit_level(points)
    assert (level.kind, level.count, level.symbols) == (kind, count, symbols)


def test_level_labels() -> None:
    assert credit_level(600).label("zh") == "2 钻石"
    assert credit_level(50).label("en") == "3 Heart"
    assert credit_level(0).label("en") == "No level yet"


def test_ratings_weigh_stars_and_timeliness(world: World, database: Database) -> None:
    assert RATING_POINTS == {5: 2, 4: 1, 3: 0, 2: -1, 1: -3}
    with database.session() as session:
        for stars, timely in ((5, True), (1, False), (3, None)):
            ticket = ticket_at(session, world, "service", "in_service")
            fields: dict[str, object] = {"satisfaction": stars, "fee_paid": True, "timely": timely}
            if timely is None:
                fields["timely"] = "yes"
            apply_fields(session, ticket, "final_visit", user(session, "visitor"), fields)
        events = [(e.reason, e.points) for e in session.scalars(select(CreditEvent).order_by(CreditEvent.id))]
        assert events == [("rating", 2), ("timely", 1), ("rating", -3), ("late", -1), ("timely", 1)]
        merchant = session.get(Merchant, world.merchants["nanny_a"])
        assert merchant is not None and merchant.credit_points == 600 + 2 + 1 - 3 - 1 + 1


def test_an_upheld_complaint_costs_the_merchant_once(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "complaint", "measure_ordered")
        apply(session, ticket, "reject_measure", None)
        apply(session, ticket, "order_measure", None, measure="apology", answer="上门道歉")
        upheld = session.scalars(select(CreditEvent)).all()
        assert [(e.reason, e.points, e.merchant_id) for e in upheld] == [
            ("complaint_upheld", -5, world.merchants["cleaner"])
        ]
        assert ticket.events[-1].data == {
            "measure": "apology",
            "merchant_id": world.merchants["cleaner"],
            "upheld": True,
            "credit": 0,
            "visit_id": ticket.visits[-1].id,
        }
        other = open_ticket(session, draft(world, "complaint"), None)
        apply(
            session,
            other,
            "order_measure",
            None,
            measure="explanation",
            answer="已解释",
            merchant_id=world.merchants["fixer"],
        )
        not_upheld = open_ticket(session, draft(world, "complaint"), None)
        apply(session, not_upheld, "order_measure", None, measure="other", answer="转交物业", upheld=False)
        assert len(session.scalars(select(CreditEvent)).all()) == 1


def test_credit_changes_add_up_and_can_be_recomputed(world: World, database: Database) -> None:
    merchant_id = world.merchants["fixer"]
    with database.session() as session:
        assert add_credit(session, merchant_id, 0, "adjustment") is None
        add_credit(session, merchant_id, 7, "adjustment", note="协会表彰")
        add_credit(session, merchant_id, -2, "late")
        assert session.get(Merchant, merchant_id).credit_points == 55  # type: ignore[union-attr]
        assert recompute_credit(session, merchant_id) == 5  # the seeded 50 had no event behind it
        assert session.get(Merchant, merchant_id).credit_points == 5  # type: ignore[union-attr]


def test_the_public_ranking_lists_active_merchants_best_first(world: World, database: Database) -> None:
    with database.session() as session:
        ranking = merchant_ranking(session)
        assert [(r.rank, r.merchant.name, r.level.kind, r.level.count) for r in ranking] == [
            (1, "cleaner", "diamond", 2),
            (2, "nanny_far", "diamond", 2),
            (3, "nanny_a", "diamond", 2),
            (4, "nanny_b", "diamond", 1),
            (5, "family_all", "heart", 4),
            (6, "fixer", "heart", 3),
        ]
        nannies = merchant_ranking(session, category_code="family.nanny", county_id=world.counties["futian"])
        assert [r.merchant.name for r in nannies] == ["nanny_a", "nanny_b", "family_all"]
        page2 = merchant_ranking(session, limit=2, offset=2)
        assert [(r.rank, r.merchant.name) for r in page2] == [(3, "nanny_a"), (4, "nanny_b")]
        assert merchant_ranking(session, category_code="no.such") == []


def test_a_merchant_profile_has_its_level_areas_staff_and_credit(world: World, database: Database) -> None:
    with database.session() as session:
        merchant_id = world.merchants["nanny_a"]
        session.add(MerchantStaff(merchant_id=merchant_id, name="李秀兰", certificate="育婴员"))
        add_credit(session, merchant_id, 2, "rating")
        profile = merchant_profile(session, merchant_id)
        assert (profile.level.kind, profile.level.count) == ("diamond", 2)
        assert [c.code for c in profile.categories] == ["family.nanny"]
        assert sorted(c.code for c in profile.counties) == ["futian", "luohu"]
        assert [(s.name, s.certificate) for s in profile.staff] == [("李秀兰", "育婴员")]
        assert [(e.reason, e.points) for e in profile.credit] == [("rating", 2)]
        with pytest.raises(NotFound) as caught:
            merchant_profile(session, 999)
        assert (caught.value.status_code, caught.value.error_id) == (404, "merchant-not-found")
