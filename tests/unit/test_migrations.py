from __future__ import annotations

from sqlalchemy import inspect

from hotline.db import migrate
from hotline.db.session import Database


def test_upgrade_creates_the_schema_and_downgrade_removes_it(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {
        "counties",
        "service_categories",
        "agents",
        "members",
        "merchants",
        "calls",
        "recordings",
    } <= tables
    migrate.downgrade(database.url, "base")
    database.engine.dispose()
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(database.url)
    assert migrate.current(database.url) is not None


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        return
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
