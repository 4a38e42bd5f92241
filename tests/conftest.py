"""Fixtures shared by every test layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hotline.db.session import Database
from tests.dbutil import db_kind, drop_database, migrated_database, seeded_database, worker_name

# Fixtures that give a test a database of the kind under test; the PostgreSQL run is about those.
DATABASE_FIXTURES = frozenset({"database", "demo_database", "db_url", "center"})


def pytest_report_header(config: pytest.Config) -> str:
    return f"hotline test database: {db_kind()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The integration tests first: each file of them takes minutes, so with `-n 2 --dist loadfile
    --no-loadscope-reorder` (the Makefile) the workers start on them and end on short unit files
    together. On PostgreSQL, run only the tests that use a database: the others were run on SQLite
    already and would run identically (deselected, reported by pytest, never skipped)."""
    items.sort(key=lambda item: "integration" not in item.nodeid.split("::", 1)[0].split("/"))
    if db_kind() != "postgresql":
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        uses = DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        (keep if uses else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _worker_database(make: Callable[[str, Path], str], tmp_path: Path) -> Iterator[Database]:
    name = worker_name("hotline_unit")
    db = Database(make(name, tmp_path))
    yield db
    db.dispose()
    drop_database(name)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the kind under test (SQLite or PostgreSQL)."""
    yield from _worker_database(migrated_database, tmp_path)


@pytest.fixture
def demo_database(tmp_path: Path) -> Iterator[Database]:
    """`database` with the demo data seeded (`hotline db seed --demo`, done once per process and cloned)."""
    yield from _worker_database(seeded_database, tmp_path)
