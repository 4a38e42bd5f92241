"""`python -m ari_app`: run the ARI daemon in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

from ari_app.app import HotlineApp
from hotline import logs
from hotline.settings import get_settings


async def _main() -> None:
    app = HotlineApp(get_settings())
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
    asyncio.run(_main())


if __name__ == "__main__":
    main()
