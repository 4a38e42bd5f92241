"""A small city for the ticket tests: counties, categories, merchants, a member, one user per role, and
the ways to walk a ticket to each status of its type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.console_models import ROLES, User, UserRole
from hotline.db.models import County, Member, Merchant, ServiceCategory
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.tickets.actions import apply_fields
from hotline.tickets.opening import TicketDraft, open_ticket

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

COUNTIES = ("futian", "luohu", "nanshan")
CATEGORIES = (
    ("family", None),
    ("family.nanny", "family"),
    ("family.cleaning", "family"),
    ("repair", None),
    ("repair.appliance", "repair"),
)
# name -> (categories, counties, credit points, contract status)
MERCHANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int, str]] = {
    "nanny_a": (("family.nanny",), ("futian", "luohu"), 600, "active"),
    "nanny_b": (("family.nanny",), ("futian",), 300, "active"),
    "family_all": (("family",), ("futian", "nanshan"), 100, "active"),
    "cleaner": (("family.cleaning",), ("futian",), 900, "active"),
    "nanny_suspended": (("family.nanny",), ("futian",), 2000, "suspended"),
    "nanny_far": (("family.nanny",), ("nanshan",), 800, "active"),
    "fixer": (("repair.appliance",), ("futian",), 50, "active"),
}
MEMBER_PHONE = "13800138001"
# Users: one per role, plus one without roles and an inactive dispatcher
USERS = {**{role: (role,) for role in ROLES}, "nobody": (), "inactive": ("dispatcher",)}


@dataclass(frozen=True)
class World:
    """Ids of what build_world made."""

    counties: dict[str, int]
    categories: dict[str, int]
    merchants: dict[str, int]
    member: int


def build_world(db: Database) -> World:
    """Fill a fresh database with the test city."""
    with db.session() as session:
        counties = {code: County(code=code, name_zh=code, name_en=code.title()) for code in COUNTIES}
        session.add_all(counties.values())
        categories: dict[str, ServiceCategory] = {}
        for code, parent in CATEGORIES:
            categories[code] = ServiceCategory(code=code, name_zh=code, name_en=code)
            if parent:
                categories[code].parent_id = categories[parent].id
            session.add(categories[code])
            session.flush()
        merchants = {}
        for name, (cats, served, points, status) in MERCHANTS.items():
            merchants[name] = Merchant(
                name=name,
                phone="075583330001",
                credit_points=points,
                contract_status=status,
                categories=[categories[c] for c in cats],
                counties=[counties[c] for c in served],
            )
        session.add_all(merchants.values())
        member = Member(phone=MEMBER_PHONE, name="周女士", county_id=None)
        session.add(member)
        for name, roles in USERS.items():
            session.add(
                User(
                    username=name,
                    display_name=f"{name} agent",
                    password_hash="-",
                    active=name != "inactive",
                    role_rows=[UserRole(role=r) for r in roles],
                )
            )
        session.flush()
        return World(
            {k: v.id for k, v in counties.items()},
            {k: v.id for k, v in categories.items()},
            {k: v.id for k, v in merchants.items()},
            member.id,
        )


def user(session: Session, name: str) -> User:
    """A test user by name (a role name, "nobody" or "inactive")."""
    return session.scalars(select(User).where(User.username == name)).one()


# The fields each action needs in the tests (merchant names become ids)
FIELDS: dict[str, dict[str, object]] = {
    "answer": {"answer": "各街道办均可办理"},
    "dispatch": {"merchant": "nanny_a"},
    "final_visit": {"satisfaction": 5, "timely": True, "fee_paid": True},
    "order_measure": {"measure": "redo", "answer": "责成商户返工", "merchant": "cleaner"},
    "record_reply": {"answer": "已采纳"},
    "forward": {"to": "中心主任"},
}
NOTES = {"cancel": "会员取消", "comment": "会员来电催办"}

# How to bring a new ticket of each type to each of its statuses
PATHS: dict[str, dict[str, list[str]]] = {
    "consultation": {"new": [], "closed": ["answer"], "cancelled": ["cancel"]},
    "service": {
        "new": [],
        "dispatched": ["dispatch"],
        "accepted": ["dispatch", "accept"],
        "in_service": ["dispatch", "accept", "confirm_contact"],
        "closed": ["dispatch", "accept", "confirm_contact", "final_visit"],
        "cancelled": ["cancel"],
    },
    "complaint": {
        "new": [],
        "measure_ordered": ["order_measure"],
        "measure_accepted": ["order_measure", "accept_measure"],
        "measure_done": ["order_measure", "accept_measure", "complete_measure"],
        "closed": ["order_measure", "accept_measure", "complete_measure", "close_satisfied"],
        "cancelled": ["cancel"],
    },
    "suggestion": {
        "new": [],
        "forwarded": ["forward"],
        "replied": ["forward", "record_reply"],
        "closed": ["forward", "record_reply", "inform_suggester"],
        "cancelled": ["cancel"],
    },
}


def fields_for(action: str, world: World) -> dict[str, object]:
    """The test fields of an action, merchant names resolved."""
    fields = dict(FIELDS.get(action, {}))
    if "merchant" in fields:
        fields["merchant_id"] = world.merchants[str(fields.pop("merchant"))]
    return fields


def draft(world: World, kind: str = "service", **changes: object) -> TicketDraft:
    """A futian family.nanny draft of the world's member."""
    values: dict[str, object] = {
        "type": kind,
        "summary": "住家保姆照顾老人",
        "county_id": world.counties["futian"],
        "member_id": world.member,
        "category_code": "family.nanny",
    }
    return TicketDraft(**(values | changes))  # type: ignore[arg-type]


def step(
    session: Session, ticket: Ticket, action: str, world: World, at: datetime, actor: User | None = None
) -> None:
    """Apply one action with its test fields and note."""
    apply_fields(session, ticket, action, actor, fields_for(action, world), note=NOTES.get(action), now=at)


def ticket_at(session: Session, world: World, kind: str, status: str, at: datetime = T0) -> Ticket:
    """A new ticket of `kind` walked (by the system) to `status`, one minute per step."""
    ticket = open_ticket(session, draft(world, kind), None, now=at)
    for i, action in enumerate(PATHS[kind][status], start=1):
        step(session, ticket, action, world, at + timedelta(minutes=i))
    assert ticket.status == status
    return ticket
