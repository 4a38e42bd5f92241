"""The console's overview page and /healthz, through Flask's test client and `python -m webconsole`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from hotline.db.models import Agent, Call, Recording
from hotline.db.session import Database
from hotline.settings import Settings, get_settings
from hotline.supervisor import until
from tests.unit.consoletools import client_of, csrf_token
from webconsole import create_app

T0 = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return get_settings(
        home=tmp_path / "home",
        database_url=db_url,
        ami_port=free_port(),
        hotline_numbers=["10109366", "96333"],
    )


@pytest.fixture
def app(settings: Settings, fast_passwords: PasswordHasher) -> Iterator[Flask]:
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    app.extensions["hotline"].close()


@pytest.fixture
def client(app: Flask, db_url: str) -> Iterator[FlaskClient]:
    """Logged in as a supervisor."""
    db = Database(db_url)
    yield client_of(app, db, "boss", ["supervisor"])
    db.dispose()


def seed(url: str, *, display_name: str = "张敏", calls: int = 1) -> None:
    db = Database(url)
    with db.session() as s:
        agent = Agent(name="8001", display_name=display_name, endpoint="agent8001", state="ready")
        s.add_all([agent, Agent(name="8002", display_name="李娜", endpoint="agent8002")])
        s.flush()
        for i in range(calls):
            at = T0 + timedelta(minutes=i)
            call = Call(
                uid=f"call{i:03d}",
                caller_number=f"13800138{i:03d}",
                dialed_number="10109366",
                via="ari",
                entered_at=at,
                answered_at=at + timedelta(seconds=5),
                ended_at=at + timedelta(seconds=107),
                queue_name="luohu",
                agent_id=agent.id,
                disposition="answered",
            )
            s.add(call)
            s.flush()
            s.add(Recording(call_id=call.id, path=f"2026/11/22/call{i:03d}.wav", status="ok", duration_s=102))
    db.dispose()


def test_home_lists_agents_and_the_latest_call(client: FlaskClient, db_url: str) -> None:
    seed(db_url)

    resp = client.get("/overview")

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<title>家政服务热线</title>" in html
    assert "10109366" in html and "96333" in html
    for text in ("8001", "张敏", "agent8001", "已登录", "李娜", "未登录"):
        assert text in html
    row = html[html.index('<table id="calls">') :]
    for text in (
        "2026-11-22 10:30:00",
        "13800138000",
        "luohu",
        "张敏 (8001)",
        "answered",
        '<td class="num">102</td>',
        "<td>有</td>",
    ):
        assert text in row


def test_only_the_20_newest_calls_are_shown(client: FlaskClient, db_url: str) -> None:
    seed(db_url, calls=25)

    html = client.get("/overview").get_data(as_text=True)

    assert html.count("<td>13800138") == 20
    assert "13800138024" in html and "13800138005" in html
    assert "13800138004" not in html
    assert html.index("13800138024") < html.index("13800138005")  # newest first


def test_html_in_a_display_name_is_escaped(client: FlaskClient, db_url: str) -> None:
    seed(db_url, display_name="<script>alert(1)</script>")

    html = client.get("/overview").get_data(as_text=True)

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_empty_database_says_so(client: FlaskClient) -> None:
    html = client.get("/overview").get_data(as_text=True)
    assert "还没有坐席" in html and "还没有通话" in html


def test_the_overview_speaks_english_too(client: FlaskClient, db_url: str) -> None:
    seed(db_url)
    html = client.get("/overview?lang=en").get_data(as_text=True)
    for text in (
        "Hotline numbers:",
        "<h2>Agents</h2>",
        "logged in",
        "<th>Time (Asia/Shanghai)</th>",
        "<td>yes</td>",
    ):
        assert text in html


def test_asterisk_is_shown_up_only_when_its_ami_port_accepts(client: FlaskClient, settings: Settings) -> None:
    assert 'id="asterisk" class="down"' in client.get("/overview").get_data(as_text=True)
    with socket.create_server((settings.bind_host, settings.ami_port)):
        assert 'id="asterisk" class="up"' in client.get("/overview").get_data(as_text=True)


def test_healthz_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    resp = client.get("/healthz")
    assert (resp.status_code, resp.get_json()) == (200, {"status": "ok", "database": "ok"})


def unreachable_urls() -> list[str]:
    return [
        f"postgresql://hotline@127.0.0.1:{free_port()}/hotline?connect_timeout=2",  # nobody listens there
        "sqlite:////proc/hotline-nowhere/hotline.db",  # a directory that cannot be created
    ]


@pytest.mark.parametrize("url", unreachable_urls(), ids=["postgresql-closed-port", "sqlite-uncreatable"])
def test_unreachable_database_is_503(tmp_path: Path, url: str) -> None:
    app = create_app({"TESTING": True}, settings=get_settings(home=tmp_path, database_url=url))
    client = app.test_client()

    health = client.get("/healthz")
    form = client.get("/login")  # needs no database
    page = client.post(
        "/login", data={"username": "boss", "password": "whatever it is", "csrf_token": csrf_token(client)}
    )
    app.extensions["hotline"].close()

    assert (health.status_code, health.get_json()) == (503, {"status": "error", "database": "error"})
    assert form.status_code == 200
    assert page.status_code == 503
    assert 'data-error-id="database-unavailable"' in page.get_data(as_text=True)
    assert "数据库不可用" in page.get_data(as_text=True)


def test_a_logged_in_user_gets_503_not_the_login_form_when_the_database_goes(
    app: Flask, client: FlaskClient
) -> None:
    c = app.extensions["hotline"]
    c.close()
    c.settings = get_settings(home=c.settings.home, database_url=unreachable_urls()[1])

    page = client.get("/overview")

    assert page.status_code == 503 and 'data-error-id="database-unavailable"' in page.get_data(as_text=True)


def test_secret_key_comes_from_the_secret_store(app: Flask, settings: Settings) -> None:
    stored = json.loads((settings.home / "secrets.json").read_text())
    assert app.config["SECRET_KEY"] == stored["console_secret_key"]
    assert len(app.config["SECRET_KEY"]) >= 32


def test_python_m_webconsole_serves_and_stops_on_sigterm(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_HOME": str(tmp_path / "home"),
        "HOTLINE_DATABASE_URL": db_url,
        "HOTLINE_CONSOLE_PORT": str(port),
        "HOTLINE_BIND_HOST": "127.0.0.1",
    }
    env.pop("HOTLINE_CONFIG", None)
    log = (tmp_path / "console.log").open("w+")
    argv = [sys.executable, "-m", "webconsole"]
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/healthz"

        def healthy() -> bool:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return bool(json.load(resp) == {"status": "ok", "database": "ok"})

        assert until(healthy, timeout=20), Path(log.name).read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    output = Path(log.name).read_text()
    assert "SIGTERM received" in output and "console: stopped" in output
    assert "48 threads" in output
