"""The public pages, open without a login: the merchant ranking (active merchants, best credit first,
hearts and diamonds) and the web order form (CSRF, validated field by field, rate-limited per client
address), which leaves a pending order for the intake agents."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from hotline.db.models import Merchant
from hotline.db.service_models import WebOrder
from hotline.db.session import Database
from hotline.settings import Settings
from tests.unit.consoletools import csrf_token
from tests.unit.ticketdata import World
from webconsole import create_app

EVIL = "<b onmouseover=alert(1)>好</b>"
ORDER = {
    "name": "钱女士",
    "phone": "139-0013-9000",
    "county": "futian",
    "category": "family.cleaning",
    "address": "福华路3号",
    "description": "每周两次打扫卫生",
}


@pytest.fixture
def limited_app(console_settings: Settings) -> Iterator[Flask]:
    """The console with a tight order limit: two orders per address."""
    app = create_app(
        {"TESTING": True, "PUBLIC_ORDER_LIMIT": 2, "PUBLIC_ORDER_WINDOW_S": 600}, settings=console_settings
    )
    yield app
    app.extensions["hotline"].close()


def send(client: FlaskClient, data: dict[str, str], **kw: object) -> TestResponse:
    return client.post(
        "/public/order", data={"csrf_token": csrf_token(client, "/public/order"), **data}, **kw
    )


def orders(db: Database) -> list[WebOrder]:
    with db.session() as s:
        return list(s.scalars(select(WebOrder).order_by(WebOrder.id)))


def test_anonymous_visitors_open_the_public_pages(console_app: Flask, world: World) -> None:
    client = console_app.test_client()

    for path in ("/public/", "/public/merchants", "/public/order"):
        response = client.get(path)
        assert response.status_code == 200, path
    home = client.get("/public/").get_data(as_text=True)
    assert 'href="/public/order"' in home and 'href="/public/merchants"' in home and "10109366" in home
    assert client.get("/members/").status_code == 302  # the console itself still needs a login


def test_the_ranking_lists_active_merchants_best_first(console_app: Flask, world: World) -> None:
    client = console_app.test_client()

    def ranked(**query: str) -> list[str]:
        html = client.get("/public/merchants", query_string=query).get_data(as_text=True)
        return re.findall(r'class="merchant-name">([^<]+)<', html)

    assert ranked() == [
        "cleaner",
        "nanny_far",
        "nanny_a",
        "nanny_b",
        "family_all",
        "fixer",
    ]  # not the suspended
    assert ranked(category="family.nanny", county="futian") == ["nanny_a", "nanny_b", "family_all"]
    assert ranked(county="nanshan") == ["nanny_far", "family_all"]
    html = client.get("/public/merchants").get_data(as_text=True)
    assert '<span class="level-symbols" aria-hidden="true">◆◆</span>' in html  # cleaner, 900 points
    assert "信用等级：2 钻石" in html and "服务区域：" in html
    english = client.get("/public/merchants?lang=en").get_data(as_text=True)
    assert "Credit level: 2 Diamond" in english and "Merchant ranking" in english


def test_the_ranking_is_paginated(console_app: Flask, console_db: Database, world: World) -> None:
    with console_db.session() as s:
        s.add_all(Merchant(name=f"m{i:02d}", phone="075583330001", credit_points=1000 - i) for i in range(25))
    client = console_app.test_client()

    first = client.get("/public/merchants").get_data(as_text=True)
    second = client.get("/public/merchants?page=2").get_data(as_text=True)

    assert re.findall(r'data-rank="(\d+)"', first) == [str(i) for i in range(1, 21)]
    assert re.findall(r'data-rank="(\d+)"', second)[0] == "21" and 'id="page-prev"' in second


def test_an_order_is_stored_pending_and_the_citizen_thanked(
    console_app: Flask, console_db: Database, world: World
) -> None:
    client = console_app.test_client()
    form = client.get("/public/order").get_data(as_text=True)
    assert 'name="csrf_token"' in form and "提交订单" in form  # Chinese by default

    response = send(client, ORDER)

    (order,) = orders(console_db)
    assert response.status_code == 303 and response.location == "/public/order/thanks"
    assert (order.status, order.phone, order.name, order.category_code) == (
        "pending",
        "13900139000",
        "钱女士",
        "family.cleaning",
    )
    assert order.county_id == world.counties["futian"] and order.remote_addr == "127.0.0.1"
    thanks = client.get("/public/order/thanks").get_data(as_text=True)
    assert f'id="order-reference" class="number">W{order.id:06d}<' in thanks and "回电" in thanks
    english = client.get("/public/order/thanks?lang=en").get_data(as_text=True)
    assert "will call you back" in english
    assert console_app.test_client().get("/public/order/thanks").location == "/public/order"


def test_an_order_without_a_csrf_token_is_refused(
    console_app: Flask, console_db: Database, world: World
) -> None:
    response = console_app.test_client().post("/public/order", data=ORDER)

    assert response.status_code == 400 and orders(console_db) == []


def test_a_wrong_order_shows_each_error_and_keeps_what_was_typed(
    console_app: Flask, console_db: Database, world: World
) -> None:
    client = console_app.test_client()
    wrong = {
        "name": "",
        "phone": "12345",
        "county": "atlantis",
        "category": "no.such",
        "address": "福华路3号",
        "description": "扫",
    }

    response = send(client, wrong, headers={"Accept-Language": "en"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422 and orders(console_db) == []
    for field in ("name", "phone", "county", "category", "description"):
        assert f'id="{field}-error"' in html, field
    assert 'id="address-error"' not in html and 'value="福华路3号"' in html and ">扫</textarea>" in html
    assert "not a phone number we can call back" in html and 'aria-invalid="true"' in html
    missing = send(client, {k: v for k, v in ORDER.items() if k != "county"}).get_data(as_text=True)
    assert 'id="county-error"' in missing and "请选择一项" in missing


def test_orders_are_limited_per_client_address(
    limited_app: Flask, console_db: Database, world: World
) -> None:
    client = limited_app.test_client()
    other = limited_app.test_client()

    sent = [send(client, ORDER | {"description": f"第{i}次：打扫卫生"}).status_code for i in range(3)]
    refused = send(client, ORDER)
    elsewhere = send(other, ORDER, environ_base={"REMOTE_ADDR": "203.0.113.7"})

    assert sent == [303, 303, 429]
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 'data-error-id="too-many-orders"' in html and "10109366" in html
    assert int(refused.headers["Retry-After"]) > 0
    assert elsewhere.status_code == 303
    assert len(orders(console_db)) == 3


def test_html_in_a_public_merchant_name_is_shown_as_text(
    console_app: Flask, console_db: Database, world: World
) -> None:
    with console_db.session() as s:
        s.add(Merchant(name=EVIL, phone="075583330001", credit_points=9999))
    html = console_app.test_client().get("/public/merchants").get_data(as_text=True)

    assert EVIL not in html and "&lt;b onmouseover=alert(1)&gt;好&lt;/b&gt;" in html
