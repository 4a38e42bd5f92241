"""Fixtures of the console's tests: an app on a fresh database, cheap password hashing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask

from hotline.db.session import Database
from hotline.settings import Settings, get_settings
from hotline.users import passwords
from tests.dbutil import drop_database, modelled_database, worker_name
from tests.unit.consoletools import Api, api_clients
from tests.unit.ticketdata import World, build_world
from webconsole import create_app

CONSOLE_DB = worker_name("hotline_console_auth")


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """argon2 with the smallest parameters: a login costs a millisecond, not a quarter second."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", hasher)
    return hasher


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """An empty database with the models' tables (SQLite, or PostgreSQL with HOTLINE_TEST_DB)."""
    yield modelled_database(CONSOLE_DB, tmp_path)
    drop_database(CONSOLE_DB)


@pytest.fixture
def console_db(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def console_settings(tmp_path: Path, db_url: str) -> Settings:
    return get_settings(home=tmp_path / "home", database_url=db_url)


@pytest.fixture
def console_app(console_settings: Settings, fast_passwords: PasswordHasher) -> Iterator[Flask]:
    """The console as served (CSRF on), on the test database."""
    app = create_app({"TESTING": True}, settings=console_settings)
    yield app
    app.extensions["hotline"].close()


@pytest.fixture
def world(console_db: Database) -> World:
    """The console tests' people, county, merchants and member (a file may define its own)."""
    return build_world(console_db)


@pytest.fixture
def api(console_app: Flask, console_db: Database, world: World) -> dict[str, Api]:
    """An API client per user of the test world (one per role, "nobody" holds none)."""
    return api_clients(console_app, console_db)
