"""The desk watcher's read-loop side: which channel events are an agent phone's, and what they mean."""

from __future__ import annotations

from typing import Any

from ari_app.desk.stasis import DeskWatcher, endpoint_of


def watcher() -> DeskWatcher:
    desk = DeskWatcher(ari=None, database=None, notifier=None)  # type: ignore[arg-type]
    desk.agents = {"agent8001": 1}
    return desk


def event(kind: str, name: str, state: str = "Ringing", uid: str | None = "c" * 40) -> dict[str, Any]:
    connected = {"number": "13800138000", "name": ""}
    channel: dict[str, Any] = {"id": "1700.1", "name": name, "state": state, "connected": connected}
    if uid:
        channel["channelvars"] = {"HOTLINE_CALL_ID": uid}
    return {"type": kind, "channel": channel}


def test_endpoint_of_takes_the_endpoint_out_of_a_pjsip_channel_name() -> None:
    assert endpoint_of("PJSIP/agent8001-0000002a") == "agent8001"
    assert endpoint_of("PJSIP/carrier-00000001") == "carrier"
    assert endpoint_of("Local/cb1@ctx-00000001;1") is None
    assert endpoint_of("PJSIP/agent8001") is None


def test_ringing_up_and_destroyed_on_an_agents_phone_are_ring_answer_end() -> None:
    desk = watcher()
    assert desk.on_event(event("ChannelStateChange", "PJSIP/agent8001-00000001", "Ringing"))
    assert desk.on_event(event("ChannelStateChange", "PJSIP/agent8001-00000001", "Up"))
    assert desk.on_event(event("ChannelDestroyed", "PJSIP/agent8001-00000001", "Up"))
    kinds = [desk.queue.get_nowait() for _ in range(desk.queue.qsize())]
    assert [r.kind for r in kinds] == ["ring", "answer", "end"]
    assert kinds[0].uid == "c" * 40 and kinds[0].data["caller"] == "13800138000"


def test_other_channels_and_other_states_are_not_desk_events() -> None:
    desk = watcher()
    assert not desk.on_event(event("ChannelStateChange", "PJSIP/carrier-00000001"))
    assert not desk.on_event(event("ChannelStateChange", "PJSIP/agent9999-00000001"))
    assert desk.on_event(event("ChannelStateChange", "PJSIP/agent8001-00000001", "Down"))
    assert desk.queue.empty()


def test_a_ring_without_a_call_id_still_pops_with_no_call() -> None:
    desk = watcher()
    desk.on_event(event("ChannelStateChange", "PJSIP/agent8001-00000001", uid=None))
    assert desk.queue.get_nowait().uid is None
