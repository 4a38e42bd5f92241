"""Alembic environment: the URL comes from the caller (hotline db upgrade) or HOTLINE_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from hotline.db import models  # noqa: F401  (registers the tables on Base.metadata)
from hotline.db.base import Base
from hotline.db.session import make_engine
from hotline.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().db_url


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
