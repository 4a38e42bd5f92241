"""The center's web console: a Flask app factory, one blueprint package per feature."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template
from jinja2 import StrictUndefined
from sqlalchemy.exc import DBAPIError

from hotline.db.session import Database
from hotline.secrets import SecretStore
from hotline.settings import Settings, get_settings

logger = logging.getLogger(__name__)

EXTENSION = "hotline"


class ConsoleError(Exception):
    """An error with its HTTP contract: status code, kebab-case id and a message for the user."""

    status_code = 500
    error_id = "internal-error"
    message = "内部错误 (internal error)"


class DatabaseUnavailable(ConsoleError):
    status_code = 503
    error_id = "database-unavailable"
    message = "数据库不可用 (database unavailable)"


class Console:
    """What every blueprint shares: the settings and one Database, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timezone = ZoneInfo(settings.timezone)
        self._database: Database | None = None
        self._lock = threading.Lock()

    @property
    def database(self) -> Database:
        # Opened lazily so the console starts (and /healthz answers 503) when the database is not there.
        with self._lock:
            if self._database is None:
                try:
                    self._database = Database(self.settings.db_url)
                except OSError as exc:  # SQLite's directory cannot be created
                    logger.error("console: cannot open the database: %s", exc)
                    raise DatabaseUnavailable() from exc
            return self._database

    def close(self) -> None:
        with self._lock:
            if self._database is not None:
                self._database.dispose()
                self._database = None


def console() -> Console:
    """The Console of the current app."""
    ext = current_app.extensions[EXTENSION]
    assert isinstance(ext, Console)
    return ext


def create_app(config: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the console app; `config` overrides Flask settings, `settings` the HOTLINE_* ones."""
    settings = settings or get_settings()
    app = Flask(__name__)
    app.jinja_options = {
        **app.jinja_options,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    app.config.from_mapping(
        SECRET_KEY=SecretStore.for_home(settings.home).console_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if config:
        app.config.from_mapping(config)
    app.extensions[EXTENSION] = Console(settings)
    _register_errors(app)

    from webconsole.home import bp as home_bp

    app.register_blueprint(home_bp)
    return app


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ConsoleError)
    def console_error(exc: ConsoleError) -> tuple[str, int]:
        return render_template("error.html", error=exc), exc.status_code

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> tuple[str, int]:
        # Raised by the driver (server down, refused, schema missing): one clear 503, details in the log.
        logger.error("console: database error: %s", exc.orig)
        return console_error(DatabaseUnavailable())
