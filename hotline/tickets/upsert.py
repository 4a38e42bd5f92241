"""INSERT ... ON CONFLICT for the two databases the center runs on (PostgreSQL, SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of `model` with on_conflict_do_update/do_nothing, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise RuntimeError(f"hotline.tickets needs PostgreSQL or SQLite, not {dialect}")
