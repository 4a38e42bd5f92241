"""The merchant pages: the list ranked by credit with its filters, a merchant's level drawn as
hearts or diamonds with words for screen readers, its staff certificates (expired ones marked), and
the management forms, which only area managers and admins may use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hotline.db.console_models import AuditEntry
from hotline.db.models import Merchant
from hotline.db.service_models import CreditEvent, MerchantStaff
from hotline.db.session import Database
from tests.unit.consoletools import client_of, csrf_token
from tests.unit.ticketdata import World

EVIL = '<img src=x onerror="alert(1)">'


def post(client: FlaskClient, path: str, data: Mapping[str, object]) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, "/merchants/"), **data})


def listed(html: str) -> list[str]:
    return re.findall(r'class="merchant-name">([^<]+)<', html)


def test_the_list_is_ranked_by_credit_and_filtered(
    console_app: Flask, console_db: Database, world: World
) -> None:
    dispatcher = client_of(console_app, console_db, "dan", ["dispatcher"])

    def names(**query: str) -> list[str]:
        return listed(dispatcher.get("/merchants/", query_string=query).get_data(as_text=True))

    assert names() == ["nanny_suspended", "cleaner", "nanny_far", "nanny_a", "nanny_b", "family_all", "fixer"]
    assert names(status="active")[0] == "cleaner" and "nanny_suspended" not in names(status="active")
    assert names(status="suspended") == ["nanny_suspended"]
    # a family.nanny need: nanny companies and the all-round family one
    assert names(category="family.nanny", county="futian", status="active") == [
        "nanny_a",
        "nanny_b",
        "family_all",
    ]
    assert names(county="nanshan") == ["nanny_far", "family_all"]
    assert names(category="no.such") == names()  # an unknown filter is ignored, not an error


def test_a_merchant_shows_its_level_as_diamonds_with_words(
    console_app: Flask, console_db: Database, world: World
) -> None:
    visitor = client_of(console_app, console_db, "vic", ["visitor"])
    cleaner = world.merchants["cleaner"]  # 900 points: 2 diamonds

    chinese = visitor.get(f"/merchants/{cleaner}").get_data(as_text=True)
    english = visitor.get(f"/merchants/{cleaner}?lang=en").get_data(as_text=True)

    assert 'data-level-kind="diamond" data-level-count="2"' in chinese
    assert '<span class="level-symbols" aria-hidden="true">◆◆</span>' in chinese and "2 钻石" in chinese
    assert "Credit level: 2 Diamond" in english
    fixer = visitor.get(f"/merchants/{world.merchants['fixer']}").get_data(as_text=True)  # 50 points
    assert '<span class="level-symbols" aria-hidden="true">♥♥♥</span>' in fixer
    assert 'id="merchant-points">50<' in fixer
    assert 'id="contract-form"' not in chinese and 'id="staff-form"' not in chinese  # viewing only
    assert visitor.get("/merchants/99999").status_code == 404


def test_expired_certificates_are_marked(console_app: Flask, console_db: Database, world: World) -> None:
    today = date.today()
    with console_db.session() as s:
        for name, until in (
            ("老王", today - timedelta(days=1)),
            ("小李", today + timedelta(days=10)),
            ("阿张", today + timedelta(days=400)),
            ("无证", None),
        ):
            s.add(
                MerchantStaff(
                    merchant_id=world.merchants["nanny_a"], name=name, certificate="育婴师", valid_until=until
                )
            )
    html = (
        client_of(console_app, console_db, "sue", ["supervisor"])
        .get(f"/merchants/{world.merchants['nanny_a']}")
        .get_data(as_text=True)
    )

    rows = {
        name: css
        for css, name in re.findall(r'<tr data-staff-id="\d+"( class="\w+")?>\s*<td>([^<]+)</td>', html)
    }
    assert rows == {"老王": ' class="expired"', "小李": ' class="expiring"', "阿张": "", "无证": ""}
    assert "已过期" in html


def test_an_area_manager_adds_and_manages_a_merchant(
    console_app: Flask, console_db: Database, world: World
) -> None:
    manager = client_of(console_app, console_db, "max", ["area_manager"])
    assert 'id="merchant-form"' in manager.get("/merchants/new").get_data(as_text=True)
    fields = {
        "name": "好帮手家政",
        "phone": "0755-8333 0009",
        "contact_name": "林经理",
        "address": "福田",
        "county": str(world.counties["futian"]),
        "category": str(world.categories["family.cleaning"]),
        "categories": [str(world.categories["family.nanny"])],
        "counties": [str(world.counties["luohu"])],
    }

    created = post(manager, "/merchants/", fields)
    with console_db.session() as s:
        merchant = s.scalars(select(Merchant).where(Merchant.name == "好帮手家政")).one()
        assert created.status_code == 303 and created.location == f"/merchants/{merchant.id}"
        assert (merchant.phone, merchant.contract_status, merchant.credit_points) == (
            "075583330009",
            "active",
            0,
        )
        assert {c.code for c in merchant.categories} == {"family.nanny", "family.cleaning"}
        assert {c.code for c in merchant.counties} == {"futian", "luohu"}
        mid = merchant.id

    edited = post(
        manager, f"/merchants/{mid}/edit", fields | {"categories": [], "counties": [], "category": ""}
    )
    suspended = post(manager, f"/merchants/{mid}/contract", {"status": "suspended", "reason": "投诉多"})
    staff = post(
        manager,
        f"/merchants/{mid}/staff",
        {"name": "陈阿姨", "certificate": "家政员", "certificate_no": "J-1", "valid_until": "2030-01-31"},
    )
    credit = post(manager, f"/merchants/{mid}/credit", {"points": "+30", "note": "开业积分"})

    assert [r.status_code for r in (edited, suspended, staff, credit)] == [303] * 4
    with console_db.session() as s:
        saved = s.get(Merchant, mid)
        assert saved is not None
        assert [c.code for c in saved.categories] == [] and [c.code for c in saved.counties] == ["futian"]
        assert (saved.contract_status, saved.credit_points) == ("suspended", 30)
        person = s.scalars(select(MerchantStaff).where(MerchantStaff.merchant_id == mid)).one()
        assert (person.name, person.valid_until) == ("陈阿姨", date(2030, 1, 31))
        assert s.scalars(select(CreditEvent.reason).where(CreditEvent.merchant_id == mid)).all() == [
            "adjustment"
        ]
        audited = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "merchant")).all()
        assert set(audited) == {"merchant.save", "merchant.contract", "merchant.staff.add", "merchant.credit"}
        staff_id = person.id

    renewed = post(
        manager, f"/merchants/{mid}/staff/{staff_id}/edit", {"name": "陈阿姨", "valid_until": "2031-01-31"}
    )
    page = manager.get(f"/merchants/{mid}").get_data(as_text=True)
    removed = post(manager, f"/merchants/{mid}/staff/{staff_id}/delete", {})
    assert renewed.status_code == 303 and "2031-01-31" in page and 'id="contract-form"' in page
    assert removed.status_code == 303
    with console_db.session() as s:
        assert s.scalars(select(MerchantStaff).where(MerchantStaff.merchant_id == mid)).all() == []


def test_wrong_management_forms_are_refused_field_by_field(
    console_app: Flask, console_db: Database, world: World
) -> None:
    admin = client_of(console_app, console_db, "ada", ["admin"])
    nanny_a = world.merchants["nanny_a"]

    taken = post(admin, "/merchants/", {"name": "nanny_b", "phone": "075583330001"})
    bad = post(admin, "/merchants/", {"name": "", "phone": "abc", "county": "999"})
    no_staff_name = post(admin, f"/merchants/{nanny_a}/staff", {"name": "", "valid_until": "31/12/2030"})
    no_reason = post(admin, f"/merchants/{nanny_a}/credit", {"points": "zero", "note": ""})
    bad_status = post(admin, f"/merchants/{nanny_a}/contract", {"status": "expelled"})

    assert 'id="name-error"' in taken.get_data(as_text=True)
    html = bad.get_data(as_text=True)
    assert all(f'id="{f}-error"' in html for f in ("name", "phone", "county"))
    html = no_staff_name.get_data(as_text=True)
    assert (
        'id="staff-name-error"' in html
        and 'id="staff-valid_until-error"' in html
        and 'value="31/12/2030"' in html
    )
    html = no_reason.get_data(as_text=True)
    assert 'id="credit-points-error"' in html and 'id="credit-note-error"' in html
    assert 'id="contract-status-error"' in bad_status.get_data(as_text=True)
    assert {r.status_code for r in (taken, bad, no_staff_name, no_reason, bad_status)} == {422}
    with console_db.session() as s:
        assert s.get(Merchant, nanny_a).contract_status == "active"  # type: ignore[union-attr]
    assert post(admin, "/merchants/99999/contract", {"status": "ended"}).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "visitor", "supervisor"])
def test_management_is_refused_to_other_roles(
    console_app: Flask, console_db: Database, world: World, role: str
) -> None:
    user = client_of(console_app, console_db, f"{role}-user", [role])
    nanny_a = world.merchants["nanny_a"]

    assert user.get(f"/merchants/{nanny_a}").status_code == 200
    assert user.get("/merchants/new").status_code == 403
    assert post(user, f"/merchants/{nanny_a}/contract", {"status": "ended"}).status_code == 403
    assert post(user, f"/merchants/{nanny_a}/credit", {"points": "500", "note": "x"}).status_code == 403
    assert post(user, "/merchants/", {"name": "x", "phone": "075583330001"}).status_code == 403
    with console_db.session() as s:
        assert s.get(Merchant, nanny_a).contract_status == "active"  # type: ignore[union-attr]


def test_merchants_are_refused_to_intake_agents(
    console_app: Flask, console_db: Database, world: World
) -> None:
    assert client_of(console_app, console_db, "amy", ["intake"]).get("/merchants/").status_code == 403


def test_html_in_a_merchant_name_is_shown_as_text(
    console_app: Flask, console_db: Database, world: World
) -> None:
    admin = client_of(console_app, console_db, "ada", ["admin"])
    post(admin, "/merchants/", {"name": EVIL, "phone": "075583330001", "contact_name": EVIL})
    with console_db.session() as s:
        mid = s.scalars(select(Merchant.id).where(Merchant.name == EVIL)).one()
    post(admin, f"/merchants/{mid}/staff", {"name": EVIL, "certificate": EVIL})

    for path in ("/merchants/", f"/merchants/{mid}", f"/merchants/{mid}/edit"):
        html = admin.get(path).get_data(as_text=True)
        assert EVIL not in html and "&lt;img src=x" in html, path
