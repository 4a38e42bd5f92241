"""The IVR's channel on ARI: barge-in stops the prompt, type-ahead skips it, digits time out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from ari_app.callstate import CallerGone, CallState
from ari_app.context import AppContext
from ari_app.ivr.io import AriCallIO


class FakeAri:
    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []

    async def play(
        self, channel_id: str, media: list[str], playback_id: str, lang: str | None = None
    ) -> None:
        self.requests.append(("play", (media, playback_id, lang)))

    async def stop_playback(self, playback_id: str, channel_id: str = "", *, wait: bool = True) -> None:
        self.requests.append(("stop" if wait else "stop-unawaited", playback_id))


def make(tmp_path: Path) -> tuple[AriCallIO, CallState, FakeAri]:
    state = CallState("ch-1", "075583001111", "10109366", "ch-1", ["inbound"], uid="c1")
    ari = FakeAri()
    ctx = cast(AppContext, type("Ctx", (), {"ari": ari, "spool_recordings": tmp_path})())
    return AriCallIO(ctx, state), state, ari


def test_a_digit_during_the_prompt_stops_it_and_is_returned(tmp_path: Path) -> None:
    async def scenario() -> tuple[str | None, list[tuple[str, Any]]]:
        io, state, ari = make(tmp_path)
        playing = asyncio.create_task(io.play(["main_menu"], "zh"))
        await asyncio.sleep(0.05)
        state.handle({"type": "ChannelDtmfReceived", "digit": "2"})
        return await asyncio.wait_for(playing, 2), ari.requests

    digit, requests = asyncio.run(scenario())
    assert digit == "2"
    # the flow does not wait for Asterisk's answer to the stop (the next request follows it on the lane)
    assert requests == [
        ("play", (["sound:hotline/main_menu"], "play-c1-1", "zh")),
        ("stop-unawaited", "play-c1-1"),
    ]


def test_a_digit_pressed_before_the_prompt_skips_it_and_the_next_waits(tmp_path: Path) -> None:
    async def scenario() -> tuple[str | None, str | None, str | None, list[tuple[str, Any]]]:
        io, state, ari = make(tmp_path)
        state.handle({"type": "ChannelDtmfReceived", "digit": "1"})
        state.handle({"type": "ChannelDtmfReceived", "digit": "3"})
        first = await io.play(["main_menu"], "zh")
        second = await io.get_digit(1.0)
        third = await io.get_digit(0.1)
        return first, second, third, ari.requests

    first, second, third, requests = asyncio.run(scenario())
    assert (first, second, third) == ("1", "3", None)
    assert requests == []


def test_a_prompt_that_ends_returns_no_digit_and_hangup_raises(tmp_path: Path) -> None:
    async def scenario() -> str | None:
        io, state, _ = make(tmp_path)
        playing = asyncio.create_task(io.play(["goodbye"], "en", interruptible=False))
        await asyncio.sleep(0.05)
        state.handle({"type": "ChannelDtmfReceived", "digit": "5"})  # not interruptible: kept
        state.handle({"type": "PlaybackFinished", "playback": {"id": "play-c1-1"}})
        result = await asyncio.wait_for(playing, 2)
        assert await io.get_digit(0.1) == "5"
        state.handle({"type": "StasisEnd"})
        with pytest.raises(CallerGone):
            await io.get_digit(1.0)
        return result

    assert asyncio.run(scenario()) is None
