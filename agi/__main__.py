"""`python -m agi`: the FastAGI server, in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

from agi.callbacks import CallbackDialer, CallbackHooks
from agi.scripts import CallHooks
from agi.server import FastAgiServer
from hotline import logs, loops
from hotline.acd.follower import QueueLogFollower
from hotline.asterisk.runtime import AsteriskRuntime
from hotline.db.groupcommit import GroupCommit
from hotline.db.session import Database
from hotline.routing.service import Router
from hotline.services.callstore import CallStore
from hotline.settings import Settings, get_settings

logger = logging.getLogger("agi")


async def _main(settings: Settings) -> None:
    database = Database(settings.db_url)
    writer = GroupCommit(database)  # the hooks of many calls share a commit
    runtime = AsteriskRuntime.from_settings(settings)
    hooks = CallHooks(
        settings, CallStore(database, writer), runtime.recordings_inner, Router(database, settings, writer)
    )
    # queue accounting runs beside the hooks: like them it keeps working while ari_app is down
    follower = QueueLogFollower(database, runtime.queue_log_path())
    store = hooks.store
    callback_hooks = CallbackHooks(settings, store, runtime.recordings_inner, hooks.spawn)
    dialer = CallbackDialer(settings, store, callback_hooks)
    server = FastAgiServer(
        settings.bind_host, settings.agi_port, {**hooks.routes(), **callback_hooks.routes()}
    )
    await server.start()
    logger.info("FastAGI listening on %s:%s", settings.bind_host, server.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    accounting = asyncio.create_task(follower.run(stop), name="queue-log")
    dialing = asyncio.create_task(dialer.run(stop), name="callbacks")
    await stop.wait()
    await server.stop()
    await accounting
    await dialing
    await hooks.drain()
    database.dispose()
    logger.info("stopped")


def main() -> None:
    logs.configure()
    settings = get_settings()
    loops.run(_main(settings), settings.event_loop, settings.control_nice)


if __name__ == "__main__":
    main()
