"""The center's web console: a Flask app factory, one blueprint package per feature."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from jinja2 import StrictUndefined

from hotline.db.session import Database
from hotline.secrets import SecretStore
from hotline.settings import Settings, get_settings
from webconsole.errors import ConsoleError, DatabaseUnavailable

__all__ = ["EXTENSION", "Console", "ConsoleError", "DatabaseUnavailable", "console", "create_app"]

logger = logging.getLogger(__name__)

EXTENSION = "hotline"


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
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
    )
    if config:
        app.config.from_mapping(config)
    app.extensions[EXTENSION] = Console(settings)

    from webconsole import auth, desk, errors, i18n
    from webconsole.home import bp as home_bp

    errors.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(home_bp)
    desk.init_app(app)
    from webconsole.api import bp as api_bp
    from webconsole.calls import bp as calls_bp
    from webconsole.recordings import bp as recordings_bp

    app.register_blueprint(calls_bp)
    app.register_blueprint(recordings_bp)
    app.register_blueprint(api_bp)
    from webconsole import dispatch, tickets, visits

    tickets.init_app(app)
    dispatch.init_app(app)
    visits.init_app(app)
    from webconsole import members, merchants, public, weborders

    members.init_app(app)
    merchants.init_app(app)
    weborders.init_app(app)
    public.init_app(app)
    auth.check_routes(app)  # every route says who may call it, or the console does not start
    return app
