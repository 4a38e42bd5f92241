"""AMI through panoramisk 1.4, with its two known quirks handled and every wait bounded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from panoramisk import Manager

from hotline.secrets import SecretStore
from hotline.settings import Settings

logger = logging.getLogger(__name__)

AMI_USER = "hotline"


class AmiError(RuntimeError):
    """An AMI action failed or Asterisk's manager could not be reached."""


class Ami:
    """A connected manager session; use `async with ami_session(settings) as ami`."""

    def __init__(self, manager: Manager, timeout: float) -> None:
        self.manager = manager
        self.timeout = timeout

    async def action(self, action: dict[str, Any], *, multi: bool = False) -> Any:
        """Send one action; single-reply actions use as_list=False (QueueAdd never resolves otherwise)."""
        try:
            reply = await asyncio.wait_for(
                self.manager.send_action(dict(action), as_list=multi), self.timeout
            )
        except TimeoutError as exc:
            raise AmiError(f"AMI {action.get('Action')}: no reply within {self.timeout:.0f} s") from exc
        first = reply[0] if isinstance(reply, list) else reply
        if first.get("Response") == "Error":
            raise AmiError(f"AMI {action.get('Action')}: {first.get('Message')}")
        return reply


@asynccontextmanager
async def ami_session(settings: Settings, timeout: float = 10.0, events: bool = False) -> AsyncIterator[Ami]:
    """A logged-in AMI session (events off unless asked for), closed on exit."""
    manager = Manager(
        loop=asyncio.get_running_loop(),
        events="on" if events else "off",
        host=settings.bind_host,
        port=settings.ami_port,
        username=AMI_USER,
        secret=SecretStore.for_home(settings.home).ami_secret(),
        ping_delay=10,
        reconnect_timeout=2,
    )
    try:
        await asyncio.wait_for(manager.connect(), timeout)
        deadline = asyncio.get_running_loop().time() + timeout
        while not manager.authenticated:
            if asyncio.get_running_loop().time() > deadline:
                raise AmiError("AMI login was not accepted; is the secret in secrets.json rendered?")
            await asyncio.sleep(0.05)
    except (OSError, TimeoutError) as exc:
        manager.close()
        raise AmiError(
            f"cannot reach Asterisk's manager at {settings.bind_host}:{settings.ami_port}; "
            "is Asterisk running (`hotline asterisk status`)?"
        ) from exc
    try:
        yield Ami(manager, timeout)
    finally:
        manager.close()
