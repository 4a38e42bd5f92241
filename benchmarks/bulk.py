"""Bulk writes of generated rows for the benchmarks: COPY through the raw psycopg connection on
PostgreSQL, the Core insert() executemany'd by the driver on SQLite, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import JSON, Connection, Table, insert

from hotline.db.base import UTCDateTime

Row = dict[str, Any]


def write(conn: Connection, target: Table, rows: Sequence[Row]) -> None:
    """Append rows (all with the same keys) to a table: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    columns = [c.name for c in target.columns if c.name in rows[0]]
    values = [[row[name] for row in rows] for name in columns]
    if conn.dialect.name == "postgresql":
        _copy(conn, target, columns, values)
    else:
        _executemany(conn, target, columns, values)


_JSON: dict[tuple[tuple[str, object], ...], str] = {}


def _json(value: dict[str, object] | None) -> str | None:
    """A data dict as JSON text, as the JSON type writes it (few distinct values: cached)."""
    if value is None:
        return None
    key = tuple(value.items())
    text = _JSON.get(key)
    if text is None:
        text = _JSON[key] = json.dumps(value)
    return text


def _copy(conn: Connection, target: Table, columns: list[str], values: list[list[Any]]) -> None:
    for index, name in enumerate(columns):
        if isinstance(target.c[name].type, JSON):
            values[index] = [_json(v) for v in values[index]]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(target.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    raw: Any = conn.connection.driver_connection  # psycopg.Connection, inside SQLAlchemy's transaction
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)


def _executemany(conn: Connection, target: Table, columns: list[str], values: list[list[Any]]) -> None:
    """The Core insert() statement, executemany'd by the driver with the values already in SQLite's form.

    SQLAlchemy's per-value bind processing costs more than SQLite's own work here, so the values are
    encoded a column at a time instead; the first row is checked against the types' own processors, so
    what is stored is exactly what the application would store."""
    compiled = insert(target).compile(dialect=conn.dialect, column_keys=columns)
    if list(getattr(compiled, "positiontup", None) or ()) != columns:
        raise RuntimeError(f"{target.name}: unexpected insert parameters in {compiled}")
    first = [column[0] for column in values]
    for index, name in enumerate(columns):
        kind = target.c[name].type
        if isinstance(kind, UTCDateTime):  # UTC-aware: drop the "+00:00"
            values[index] = [
                None if v is None else v.isoformat(" ", "microseconds")[:-6] for v in values[index]
            ]
        elif isinstance(kind, JSON):
            values[index] = [_json(v) for v in values[index]]
    for name, value, encoded in zip(columns, first, (column[0] for column in values), strict=True):
        process = target.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if (value if process is None else process(value)) != encoded:
            raise RuntimeError(f"{target.name}.{name}: {encoded!r} is not how SQLAlchemy stores {value!r}")
    conn.exec_driver_sql(str(compiled), list(zip(*values, strict=True)))
