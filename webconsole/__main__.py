"""`python -m webconsole`: serve the console with waitress on settings.bind_host:settings.console_port."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from sqlalchemy.engine import make_url
from waitress import create_server

from hotline import logs
from hotline.settings import get_settings
from webconsole import EXTENSION, Console, create_app
from webconsole.desk.views import EXTENSION as DESK_EXTENSION
from webconsole.desk.wake import start_listener

logger = logging.getLogger("webconsole.__main__")  # __name__ is "__main__" under -m


def _stop(signum: int, _frame: FrameType | None) -> None:
    # waitress's loop treats SystemExit as "shut down cleanly": it stops its worker threads.
    logger.info("console: %s received, stopping", signal.Signals(signum).name)
    raise SystemExit(0)


def main() -> int:
    """Serve until SIGTERM or SIGINT; returns the exit status."""
    logs.configure()
    settings = get_settings()
    app = create_app(settings=settings)
    try:
        server = create_server(
            app,
            host=settings.bind_host,
            port=settings.console_port,
            ident="hotline-console",
            threads=settings.console_threads,
            # room for every thread's connection plus those waiting for one
            connection_limit=max(100, 2 * settings.console_threads),
        )
    except OSError as exc:
        logger.error("console: cannot listen on %s:%s: %s", settings.bind_host, settings.console_port, exc)
        return 1
    start_listener(app.extensions[DESK_EXTENSION], settings.bind_host, settings.console_wake_port)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    database = make_url(settings.db_url).render_as_string(hide_password=True)
    threads = settings.console_threads
    logger.info("console: serving %s (database %s, %d threads)", settings.console_url, database, threads)
    try:
        server.run()
    finally:
        server.close()
        ext = app.extensions[EXTENSION]
        assert isinstance(ext, Console)
        ext.close()
    logger.info("console: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
