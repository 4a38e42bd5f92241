"""The console's home page and /healthz, through Flask's test client and `python -m webconsole`."""

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
from flask import Flask
from flask.testing import FlaskClient

from hotline.db.base import Base
from hotline.db.models import Agent, Call, Recording
from hotline.db.session import Database
from hotline.settings import Settings, get_settings
from hotline.supervisor import until
from tests.dbutil import drop_database, fresh_database, worker_name
from webconsole import create_app

DB_NAME = worker_name("hotline_console")
T0 = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """An empty database with the models' tables (SQLite, or PostgreSQL with HOTLINE_TEST_DB)."""
    url = fresh_database(DB_NAME, tmp_path)
    db = Database(url)
    Base.metadata.create_all(db.engine)
    db.dispose()
    yield url
    drop_database(DB_NAME)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return get_settings(
        home=tmp_path / "home",
        database_url=db_url,
        ami_port=free_port(),
        hotline_numbers=["10109366", "96333"],
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    app.extensions["hotline"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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

    resp = client.get("/")

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "家政服务热线 hotline" in html
    assert "10109366" in html and "96333" in html
    for text in ("8001", "张敏", "agent8001", "已登录 (logged in)", "李娜", "未登录 (logged out)"):
        assert text in html
    row = html[html.index('<table id="calls">') :]
    for text in (
        "2026-11-22 10:30:00",
        "13800138000",
        "luohu",
        "张敏 (8001)",
        "answered",
        '<td class="num">102</td>',
        "有 (yes)",
    ):
        assert text in row


def test_only_the_20_newest_calls_are_shown(client: FlaskClient, db_url: str) -> None:
    seed(db_url, calls=25)

    html = client.get("/").get_data(as_text=True)

    assert html.count("<td>13800138") == 20
    assert "13800138024" in html and "13800138005" in html
    assert "13800138004" not in html
    assert html.index("13800138024") < html.index("13800138005")  # newest first


def test_html_in_a_display_name_is_escaped(client: FlaskClient, db_url: str) -> None:
    seed(db_url, display_name="<script>alert(1)</script>")

    html = client.get("/").get_data(as_text=True)

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_empty_database_says_so(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "还没有坐席 (no agents yet)" in html and "还没有通话 (no calls yet)" in html


def test_asterisk_is_shown_up_only_when_its_ami_port_accepts(client: FlaskClient, settings: Settings) -> None:
    assert 'id="asterisk" class="down"' in client.get("/").get_data(as_text=True)
    with socket.create_server((settings.bind_host, settings.ami_port)):
        assert 'id="asterisk" class="up"' in client.get("/").get_data(as_text=True)


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
    page = client.get("/")
    app.extensions["hotline"].close()

    assert (health.status_code, health.get_json()) == (503, {"status": "error", "database": "error"})
    assert page.status_code == 503
    assert "数据库不可用 (database unavailable)" in page.get_data(as_text=True)


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
