"""The demo city's service loop: merchants' categories, counties, staff and opening credit, and a
handful of tickets walked through the workflow (hotline.tickets) into each kind of state, so the
console has something to show. Idempotent: what exists already is left as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import County, Member, Merchant, ServiceCategory
from hotline.db.service_models import CreditEvent, MerchantStaff, Ticket
from hotline.tickets.actions import apply_fields
from hotline.tickets.merchants import recompute_credit
from hotline.tickets.opening import TicketDraft, open_ticket

DEMO_TZ = ZoneInfo("Asia/Shanghai")
ACTOR = "demo"

# name -> (categories served, counties served, contact, opening credit points)
SERVES: dict[str, tuple[list[str], list[str], str, int]] = {
    "深圳市安心家政服务有限公司": (
        ["family.nanny", "family.care", "family.escort"],
        ["futian", "luohu", "nanshan"],
        "黄经理",
        920,
    ),
    "罗湖洁美保洁公司": (["family.cleaning"], ["luohu", "futian"], "陈经理", 860),
    "南山快修家电服务部": (["repair.appliance"], ["nanshan", "baoan"], "刘师傅", 780),
    "宝安顺达搬家公司": (["family.moving"], ["baoan", "nanshan", "longgang"], "张经理", 700),
    "龙岗康乐养老服务中心": (["elderly", "family.care"], ["longgang"], "何主任", 950),
    "福田万家水电维修部": (["repair.utilities"], ["futian", "luohu"], "吴师傅", 120),
    "鹏城综合维修服务公司": (["repair"], ["futian", "nanshan", "luohu"], "林经理", 430),
    "深圳好帮手家政服务有限公司": (["family"], ["futian", "luohu", "nanshan"], "郭经理", 310),
    "宝安诚信保洁服务部": (["family.cleaning"], ["baoan"], "蔡老板", 35),
    "南山阳光家教中心": (["family.tutor"], ["nanshan", "futian"], "孙老师", 8),
}

# Merchants beyond hotline.services.seed.MERCHANTS: (name, phone, main county, contract status)
MORE_MERCHANTS = [
    ("福田万家水电维修部", "075583450006", "futian", "active"),
    ("鹏城综合维修服务公司", "075586120007", "nanshan", "active"),
    ("深圳好帮手家政服务有限公司", "075582560008", "luohu", "active"),
    ("宝安诚信保洁服务部", "075527330009", "baoan", "suspended"),
    ("南山阳光家教中心", "075526660010", "nanshan", "active"),
]

# merchant -> [(name, certificate, certificate number, valid until)]
STAFF: dict[str, list[tuple[str, str, str, date]]] = {
    "深圳市安心家政服务有限公司": [
        ("李秀兰", "育婴员（四级）", "YY-440304-2023-0118", date(2027, 6, 30)),
        ("王桂芳", "家政服务员（四级）", "JZ-440304-2022-0532", date(2026, 12, 31)),
    ],
    "罗湖洁美保洁公司": [("陈丽", "保洁员", "BJ-440303-2024-0077", date(2028, 3, 31))],
    "南山快修家电服务部": [
        ("刘建国", "家用电器产品维修工（三级）", "DQ-440305-2021-0310", date(2027, 9, 30))
    ],
    "宝安顺达搬家公司": [("张伟", "搬运装卸工", "BY-440306-2023-0042", date(2027, 1, 31))],
    "龙岗康乐养老服务中心": [("何美玲", "养老护理员（三级）", "YL-440307-2022-0198", date(2027, 12, 31))],
    "福田万家水电维修部": [("吴志强", "电工（低压电工作业）", "DG-440304-2024-1102", date(2030, 5, 31))],
}


@dataclass(frozen=True)
class DemoTicket:
    """A demo ticket and the workflow steps (minutes after opening, action, fields) that bring it to
    its state; fields may name a merchant by its name ("merchant") and carry the step's "note"."""

    number: str
    type: str
    county: str
    phone: str
    category: str | None
    summary: str
    urgency: str = "normal"
    answer: str | None = None
    steps: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)


DAY = 24 * 60
DEMO_TICKETS = [
    DemoTicket(
        "20261120-0001",
        "service",
        "futian",
        "13800138001",
        "family.nanny",
        "住家保姆照顾老人",
        steps=[(5, "dispatch", {"merchant": "深圳市安心家政服务有限公司"})],
    ),
    DemoTicket(
        "20261121-0001", "service", "luohu", "13800138002", "family.cleaning", "每周两次家庭保洁，三室两厅"
    ),
    DemoTicket(
        "20261121-0002",
        "complaint",
        "luohu",
        "13800138002",
        "family.cleaning",
        "保洁员迟到",
        steps=[
            (
                30,
                "order_measure",
                {
                    "measure": "apology",
                    "merchant": "罗湖洁美保洁公司",
                    "answer": "责成罗湖洁美保洁公司上门道歉，并减免本次服务费",
                },
            ),
            (90, "accept_measure", {}),
            (DAY, "complete_measure", {}),
            (DAY + 70, "close_satisfied", {"satisfaction": 4}),
        ],
    ),
    DemoTicket(
        "20261122-0001",
        "service",
        "nanshan",
        "075526880001",
        "repair.appliance",
        "洗衣机不脱水，需上门维修",
        urgency="urgent",
        steps=[(10, "dispatch", {"merchant": "南山快修家电服务部"}), (15, "accept", {})],
    ),
    DemoTicket(
        "20261123-0001",
        "service",
        "baoan",
        "13922220004",
        "family.moving",
        "周六搬家，两室一厅，约二十箱",
        steps=[
            (20, "dispatch", {"merchant": "宝安顺达搬家公司"}),
            (25, "accept", {}),
            (35, "confirm_contact", {}),
        ],
    ),
    DemoTicket(
        "20261124-0001",
        "service",
        "longgang",
        "075528990005",
        "elderly",
        "老人日间照料，每周三天",
        steps=[
            (10, "dispatch", {"merchant": "龙岗康乐养老服务中心", "fee_cents": 36000}),
            (15, "accept", {}),
            (30, "confirm_contact", {}),
            (DAY + 15, "final_visit", {"satisfaction": 5, "timely": True, "fee_paid": True}),
        ],
    ),
    DemoTicket(
        "20261125-0001",
        "consultation",
        "futian",
        "13800138001",
        "lifeinfo",
        "询问居住证办理地点和所需材料",
        answer="各街道出租屋综合管理所均可办理，需带身份证、租赁合同和近期照片",
    ),
    DemoTicket(
        "20261126-0001",
        "suggestion",
        "city",
        "13922220004",
        None,
        "建议网站公布各类家政服务的参考价格",
        steps=[
            (60, "forward", {"to": "中心主任"}),
            (2 * DAY, "record_reply", {"answer": "已采纳，下月起在网站公布常见服务的参考价格"}),
        ],
    ),
    DemoTicket(
        "20261127-0001",
        "service",
        "futian",
        "13800138001",
        "repair.utilities",
        "卫生间水管漏水",
        urgency="critical",
        steps=[
            (5, "dispatch", {"merchant": "福田万家水电维修部"}),
            (10, "refuse", {"note": "师傅都已外派，两小时内无法上门"}),
        ],
    ),
    DemoTicket(
        "20261128-0001",
        "complaint",
        "nanshan",
        "075526880001",
        "repair.appliance",
        "维修后洗衣机仍然漏水",
        steps=[
            (
                40,
                "order_measure",
                {
                    "measure": "redo",
                    "merchant": "南山快修家电服务部",
                    "answer": "责成南山快修家电服务部免费返修",
                },
            )
        ],
    ),
    DemoTicket(
        "20261202-0001",
        "service",
        "luohu",
        "13800138002",
        "family.cleaning",
        "新房开荒保洁",
        steps=[
            (5, "dispatch", {"merchant": "罗湖洁美保洁公司"}),
            (8, "accept", {}),
            (20, "redispatch", {"note": "会员说商户未联系；商户表示人手不足，无法服务"}),
        ],
    ),
]


def seed_merchant_details(session: Session, counties: dict[str, County]) -> int:
    """The demo merchants' categories, counties, contact, staff and opening credit."""
    categories = {c.code: c for c in session.scalars(select(ServiceCategory))}
    for name, phone, county, status in MORE_MERCHANTS:
        merchant = session.scalar(select(Merchant).where(Merchant.name == name))
        if merchant is None:
            merchant = Merchant(name=name, phone=phone, contract_status=status, credit_points=0)
            session.add(merchant)
        merchant.county_id = counties[county].id
        merchant.category_id = categories[SERVES[name][0][0]].id
    session.flush()
    for name, (codes, served, contact, points) in SERVES.items():
        merchant = session.scalars(select(Merchant).where(Merchant.name == name)).one()
        merchant.categories = [categories[code] for code in codes]
        merchant.counties = [counties[code] for code in served]
        merchant.contact_name = contact
        if (
            session.scalar(select(CreditEvent.id).where(CreditEvent.merchant_id == merchant.id).limit(1))
            is None
        ):
            session.add(CreditEvent(merchant_id=merchant.id, points=points, reason="opening", note="demo"))
            session.flush()
            recompute_credit(session, merchant.id)
        _seed_staff(session, merchant, STAFF.get(name, []))
    session.flush()
    return len(SERVES)


def _seed_staff(session: Session, merchant: Merchant, staff: list[tuple[str, str, str, date]]) -> None:
    for name, certificate, number, valid_until in staff:
        row = session.scalar(
            select(MerchantStaff).where(MerchantStaff.merchant_id == merchant.id, MerchantStaff.name == name)
        )
        if row is None:
            session.add(
                MerchantStaff(
                    merchant_id=merchant.id,
                    name=name,
                    certificate=certificate,
                    certificate_no=number,
                    valid_until=valid_until,
                )
            )


def _demo_ticket(session: Session, spec: DemoTicket, counties: dict[str, County]) -> bool:
    if session.scalar(select(Ticket.id).where(Ticket.number == spec.number)) is not None:
        return False
    member = session.scalars(select(Member).where(Member.phone == spec.phone)).one()
    opened = datetime.strptime(spec.number[:8] + "10:00", "%Y%m%d%H:%M").replace(tzinfo=DEMO_TZ)
    draft = TicketDraft(
        type=spec.type,
        summary=spec.summary,
        urgency=spec.urgency,
        county_id=counties[spec.county].id,
        member_id=member.id,
        category_code=spec.category,
        contact_name=member.name,
        contact_phone=member.phone,
        address=member.address,
        answer=spec.answer,
    )
    ticket = open_ticket(session, draft, None, now=opened, number=spec.number, actor_label=ACTOR)
    for minutes, action, given in spec.steps:
        fields = dict(given)
        note = fields.pop("note", None)
        if "merchant" in fields:
            name = fields.pop("merchant")
            fields["merchant_id"] = session.scalars(select(Merchant.id).where(Merchant.name == name)).one()
        at = opened + timedelta(minutes=minutes)
        apply_fields(
            session, ticket, action, None, fields, note=str(note) if note else None, now=at, actor_label=ACTOR
        )
    return True


def seed_service_loop(session: Session) -> dict[str, int]:
    """Merchant details and the demo tickets; returns how many of each the demo has."""
    counties = {c.code: c for c in session.scalars(select(County))}
    merchants = seed_merchant_details(session, counties)
    for spec in DEMO_TICKETS:
        _demo_ticket(session, spec, counties)
    session.flush()
    return {"merchants": merchants, "tickets": len(DEMO_TICKETS)}
