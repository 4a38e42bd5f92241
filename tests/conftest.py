"""Fixtures shared by every test layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.db import migrate
from hotline.db.session import Database
from tests.dbutil import db_kind, drop_database, fresh_database


def pytest_report_header(config: pytest.Config) -> str:
    return f"hotline test database: {db_kind()}"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the kind under test (SQLite or PostgreSQL)."""
    name = "hotline_unit"
    url = fresh_database(name, tmp_path)
    migrate.upgrade(url)
    db = Database(url)
    yield db
    db.dispose()
    drop_database(name)
