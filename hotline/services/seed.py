"""The demo city: Shenzhen's districts and routing, categories, agents, members, merchants, tickets."""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.base import Base
from hotline.db.models import Agent, County, Member, Merchant, Queue, ServiceCategory
from hotline.ivr.store import load_demo_flow
from hotline.routing.schema import parse_routing
from hotline.routing.store import load_routing
from hotline.services.seed_service import seed_service_loop

# (code, 中文, English, area code, is the city center)
COUNTIES = [
    ("city", "市中心", "City center", "0755", True),
    ("futian", "福田区", "Futian", "0755", False),
    ("luohu", "罗湖区", "Luohu", "0755", False),
    ("nanshan", "南山区", "Nanshan", "0755", False),
    ("baoan", "宝安区", "Bao'an", "0755", False),
    ("longgang", "龙岗区", "Longgang", "0755", False),
]

# (code, 中文, English, parent code)
CATEGORIES = [
    ("family", "家庭服务", "Family services", None),
    ("family.tutor", "家教", "Tutoring", "family"),
    ("family.nanny", "保姆", "Nanny", "family"),
    ("family.cleaning", "保洁", "Cleaning", "family"),
    ("family.moving", "搬家", "Moving", "family"),
    ("family.escort", "医院陪护", "Hospital escort", "family"),
    ("family.care", "老人儿童看护", "Elder and child care", "family"),
    ("repair", "维修服务", "Repair", None),
    ("repair.house", "房屋维修", "House repair", "repair"),
    ("repair.appliance", "家电维修", "Appliance repair", "repair"),
    ("repair.utilities", "水电维修", "Water and power repair", "repair"),
    ("elderly", "养老服务", "Elderly care", None),
    ("medical", "医疗咨询", "Medical consultation", None),
    ("property", "物业管理", "Property management", None),
    ("shopping", "社区购物", "Community shopping", None),
    ("housing", "房屋租售", "Housing rental and sale", None),
    ("recruitment", "招聘求职", "Recruitment", None),
    ("legal", "法律服务", "Legal services", None),
    ("lifeinfo", "生活信息", "Daily-life information", None),
]

# (name / 工号, display name, county, role)
AGENTS = [
    ("8001", "张敏", "city", "intake"),
    ("8002", "李强", "futian", "intake"),
    ("8003", "王芳", "luohu", "intake"),
    ("8004", "赵磊", "nanshan", "intake"),
    ("8005", "陈静", "baoan", "intake"),
    ("8006", "刘洋", "longgang", "intake"),
]

# (phone, name, county, address)
MEMBERS = [
    ("13800138001", "周女士", "futian", "福田区华强北路1号"),
    ("13800138002", "吴先生", "luohu", "罗湖区东门中路8号"),
    ("075526880001", "郑女士", "nanshan", "南山区科技园南区3栋"),
    ("13922220004", "孙先生", "baoan", "宝安区新安街道12号"),
    ("075528990005", "钱女士", "longgang", "龙岗区龙城街道5号"),
]

# (name, phone, county, main category); categories, counties, staff and credit: hotline.services.seed_service
MERCHANTS = [
    ("深圳市安心家政服务有限公司", "075583330001", "futian", "family.nanny"),
    ("罗湖洁美保洁公司", "075582220002", "luohu", "family.cleaning"),
    ("南山快修家电服务部", "075586660003", "nanshan", "repair.appliance"),
    ("宝安顺达搬家公司", "075527770004", "baoan", "family.moving"),
    ("龙岗康乐养老服务中心", "075528880005", "longgang", "elderly"),
]


def endpoint_for(agent_name: str) -> str:
    return f"agent{agent_name}"


def _upsert(session: Session, model: type[Base], key: str, value: Any, **fields: Any) -> Any:
    row = session.scalar(select(model).where(getattr(model, key) == value))
    if row is None:
        row = model(**{key: value}, **fields)
        session.add(row)
    else:
        for name, field in fields.items():
            setattr(row, name, field)
    session.flush()
    return row


def seed_demo(session: Session) -> dict[str, int]:
    """Create or refresh the demo data; running it twice changes nothing."""
    counties = {}
    for code, zh, en, area, center in COUNTIES:
        counties[code] = _upsert(
            session, County, "code", code, name_zh=zh, name_en=en, area_code=area, is_center=center
        )
        _upsert(session, Queue, "name", code, county_id=counties[code].id)
    categories: dict[str, ServiceCategory] = {}
    for code, zh, en, parent in CATEGORIES:
        parent_id = categories[parent].id if parent else None
        categories[code] = _upsert(
            session, ServiceCategory, "code", code, name_zh=zh, name_en=en, parent_id=parent_id
        )
    for name, display, county, role in AGENTS:
        _upsert(
            session,
            Agent,
            "name",
            name,
            display_name=display,
            endpoint=endpoint_for(name),
            county_id=counties[county].id,
            role=role,
        )
    for phone, name, county, address in MEMBERS:
        _upsert(session, Member, "phone", phone, name=name, county_id=counties[county].id, address=address)
    for name, phone, county, category in MERCHANTS:
        _upsert(
            session,
            Merchant,
            "name",
            name,
            phone=phone,
            county_id=counties[county].id,
            category_id=categories[category].id,
        )
    routing = seed_routing(session)
    service = seed_service_loop(session)
    flow, _ = load_demo_flow(session)
    return {
        "ivr_flow_version": flow.version,
        "counties": len(COUNTIES),
        "routing_counties": routing["counties"],
        "tickets": service["tickets"],
        "categories": len(CATEGORIES),
        "agents": len(AGENTS),
        "members": len(MEMBERS),
        "merchants": service["merchants"],
    }


def seed_routing(session: Session) -> dict[str, int]:
    """Load the demo city's routing file (hotline/routing/demo.yaml)."""
    text = resources.files("hotline.routing").joinpath("demo.yaml").read_text(encoding="utf-8")
    return load_routing(session, parse_routing(text, "demo.yaml"))
