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


def test_the_models_match_the_migrations(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from hotline.db.base import Base

    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_agent_states_migration_keeps_who_was_logged_in_both_ways(database: Database) -> None:
    def rows(sql: str) -> list[tuple[object, ...]]:
        with database.engine.begin() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(r) for r in result] if result.returns_rows else []

    migrate.downgrade(database.url, "0002")
    insert = "INSERT INTO agents (name, display_name, role, endpoint, logged_in) VALUES "
    rows(insert + "('8001', 'A', 'intake', 'agent8001', TRUE), ('8002', 'B', 'intake', 'agent8002', FALSE)")
    migrate.upgrade(database.url, "0003")
    assert rows("SELECT name, state, pause_reason FROM agents ORDER BY name") == [
        ("8001", "ready", None),
        ("8002", "logged_out", None),
    ]
    rows("UPDATE agents SET state = 'paused', pause_reason = 'meal' WHERE name = '8002'")
    migrate.downgrade(database.url, "0002")
    assert rows("SELECT name, logged_in FROM agents ORDER BY name") in (
        [("8001", True), ("8002", True)],
        [("8001", 1), ("8002", 1)],
    )
