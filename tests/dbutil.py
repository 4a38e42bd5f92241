"""The test database: SQLite by default, PostgreSQL with HOTLINE_TEST_DB=postgresql."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def worker() -> int:
    """This pytest-xdist worker's number (0 without xdist): each worker has its own databases, center
    and ports."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def worker_name(name: str) -> str:
    """A database name of this worker's own."""
    return f"{name}_{worker()}"


def db_kind() -> str:
    kind = os.environ.get("HOTLINE_TEST_DB", "sqlite")
    if kind not in ("sqlite", "postgresql"):
        raise ValueError(f"HOTLINE_TEST_DB must be sqlite or postgresql, not {kind!r}")
    return kind


def fresh_database(name: str, sqlite_dir: Path) -> str:
    """A new, empty database called `name`; returns its SQLAlchemy URL."""
    if db_kind() == "sqlite":
        path = sqlite_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_database(name: str) -> None:
    if db_kind() != "postgresql":
        return
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


_templates: dict[tuple[str, str], str] = {}  # (kind, schema) -> this process's template database


def _template(schema: str = "migrated") -> str:
    """A database with the whole schema made once per test process, copied (SQLite) or cloned
    (PostgreSQL's CREATE DATABASE ... TEMPLATE) for each test instead of being made again: "migrated"
    runs every migration to Alembic head, "demo" adds the demo data (`hotline db seed --demo`) to that,
    "modelled" creates the models' tables (metadata.create_all)."""
    from hotline.db import migrate
    from hotline.db.base import Base
    from hotline.db.session import Database
    from hotline.services.seed import seed_demo

    kind = db_kind()
    if (kind, schema) not in _templates:
        name = worker_name(f"hotline_template_{schema}")
        folder = Path(tempfile.mkdtemp(prefix="hotline-template-"))
        url = fresh_database(name, folder)
        if schema == "modelled":
            db = Database(url)
            Base.metadata.create_all(db.engine)
        else:
            migrate.upgrade(url)
            db = Database(url)
            if schema == "demo":
                with db.session() as session:
                    seed_demo(session)
        db.dispose()
        _templates[kind, schema] = str(folder / f"{name}.db") if kind == "sqlite" else name
    return _templates[kind, schema]


def migrated_database(name: str, sqlite_dir: Path) -> str:
    """A new database called `name` with the whole schema (Alembic head); returns its URL."""
    return _clone(_template("migrated"), name, sqlite_dir)


def seeded_database(name: str, sqlite_dir: Path) -> str:
    """A new database called `name` with the whole schema and the demo data; returns its URL."""
    return _clone(_template("demo"), name, sqlite_dir)


def modelled_database(name: str, sqlite_dir: Path) -> str:
    """A new database called `name` with the tables of the models imported so far (create_all, made
    once per process: import the models before the first call); returns its URL."""
    return _clone(_template("modelled"), name, sqlite_dir)


def _clone(template: str, name: str, sqlite_dir: Path) -> str:
    if db_kind() == "sqlite":
        path = sqlite_dir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    drop_database(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
