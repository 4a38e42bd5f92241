"""ARI requests about media: playbacks, recordings and bridges (a mixin of AriClient)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from ari_app.errors import AriNotFound
from ari_app.urls import ids_param, quote_id


class MediaRequests:
    """Playbacks, recordings and bridges over AriClient's transport (`req`, `send_unawaited`)."""

    # AriClient's transport (client.py): one request and its answer; a fast one sent unawaited
    req: Callable[..., Awaitable[Any]]
    send_unawaited: Callable[..., Awaitable[bool]]

    # ---- media --------------------------------------------------------------------
    async def play(
        self, channel_id: str, media: str | Sequence[str], playback_id: str, lang: str | None = None
    ) -> dict[str, Any]:
        """Start a playback with a client-chosen id (PlaybackFinished carries it back)."""
        path = f"/channels/{quote_id(channel_id)}/play/{quote_id(playback_id)}"
        params = {"media": ids_param(media), "lang": lang}
        result: dict[str, Any] = await self.req("POST", path, params=params, fast=True, key=channel_id)
        return result

    async def stop_playback(self, playback_id: str, channel_id: str = "", *, wait: bool = True) -> None:
        """Stop a playback; given its channel, the stop travels in order with that channel's requests.

        wait=False (a caller's key stopped the prompt): return once the stop is on its WebSocket, ahead
        of the channel's next request, without waiting for Asterisk's answer (a playback that finished
        meanwhile is no error; another failure is logged). On HTTP it waits as usual."""
        path = f"/playbacks/{quote_id(playback_id)}"
        if wait or not await self.send_unawaited("DELETE", path, key=channel_id):
            await self.req("DELETE", path, fast=True, key=channel_id)

    async def get_playback(self, playback_id: str) -> dict[str, Any] | None:
        """A playback's state, or None when it finished or never existed."""
        try:
            result: dict[str, Any] = await self.req("GET", f"/playbacks/{quote_id(playback_id)}")
        except AriNotFound:
            return None
        return result

    async def record(
        self,
        target_id: str,
        name: str,
        *,
        target: Literal["channels", "bridges"] = "channels",
        format: str = "wav",
        max_duration: int | None = None,
        max_silence: int | None = None,
        if_exists: str = "fail",
        beep: bool = False,
        terminate_on: str = "none",
    ) -> dict[str, Any]:
        """Record a channel or a bridge to `name` (relative to Asterisk's recording dir)."""
        params = {
            "name": name,
            "format": format,
            "maxDurationSeconds": max_duration,
            "maxSilenceSeconds": max_silence,
            "ifExists": if_exists,
            "beep": beep,
            "terminateOn": terminate_on,
        }
        path = f"/{target}/{quote_id(target_id)}/record"
        result: dict[str, Any] = await self.req("POST", path, params=params)
        return result

    async def stop_recording(self, name: str) -> None:
        """Stop a live recording and keep the file."""
        await self.req("POST", f"/recordings/live/{quote_id(name)}/stop")

    # ---- bridges ------------------------------------------------------------------
    async def create_bridge(
        self, bridge_id: str, type: str = "mixing", name: str | None = None
    ) -> dict[str, Any]:
        """Create the bridge `bridge_id`, or update it when it exists (get-or-create)."""
        params = {"type": type, "name": name}
        result: dict[str, Any] = await self.req("POST", f"/bridges/{quote_id(bridge_id)}", params=params)
        return result

    async def add_to_bridge(
        self, bridge_id: str, channel_ids: str | Sequence[str], role: str | None = None
    ) -> None:
        """Add one or more channels to a bridge."""
        params = {"channel": ids_param(channel_ids), "role": role}
        await self.req("POST", f"/bridges/{quote_id(bridge_id)}/addChannel", params=params)

    async def remove_from_bridge(self, bridge_id: str, channel_ids: str | Sequence[str]) -> None:
        """Remove one or more channels from a bridge."""
        params = {"channel": ids_param(channel_ids)}
        await self.req("POST", f"/bridges/{quote_id(bridge_id)}/removeChannel", params=params)

    async def destroy_bridge(self, bridge_id: str) -> None:
        """Destroy a bridge; ARI bridges outlive their channels, so every one needs this."""
        await self.req("DELETE", f"/bridges/{quote_id(bridge_id)}")
