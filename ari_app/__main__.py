"""`python -m ari_app`: run the ARI daemon in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from ari_app.app import HotlineApp
from ari_app.context import spool_recordings_dir
from hotline import logs, loops
from hotline.settings import Settings, get_settings


async def _main(settings: Settings, spool: Path) -> None:
    app = HotlineApp(settings, spool)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await app.run()
    except asyncio.CancelledError:
        logging.getLogger("ari_app").info("stopped")


def main() -> None:
    logs.configure()
    settings = get_settings()
    loops.run(_main(settings, spool_recordings_dir(settings)), settings.event_loop, settings.control_nice)


if __name__ == "__main__":
    main()
