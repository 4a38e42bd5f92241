"""HotlineApp against a fake Asterisk on real sockets, with a real migrated and seeded database."""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ari_app.app import HotlineApp
from hotline.db.models import Call
from hotline.db.session import Database
from hotline.secrets import SecretStore
from hotline.settings import Settings
from tests.wire.fake_ari import FakeAri, Recorded, Route
from tests.wire.wiretools import until, wire

APP = "hotline"
APP_PATH = f"/ari/applications/{APP}"
CALLER = "13800138001"
HOTLINE = "10109366"
# the hand-off: the route (queue:overflow:wait:language:county) travels in the extension
ACD = {"context": "hotline-acd", "extension": "rfutian:city:60:zh:futian", "priority": "1"}
FAILOPEN = {"context": "hotline-failopen", "extension": "s", "priority": "1"}
_probes = itertools.count(1)


# ---- what Asterisk 22 sends ----------------------------------------------------------
def stasis_start(channel_id: str, args: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "StasisStart",
        "application": APP,
        "args": ["inbound", HOTLINE] if args is None else args,
        "channel": {
            "id": channel_id,
            "name": f"PJSIP/carrier-{channel_id}",
            "state": "Ring",
            "caller": {"name": "", "number": CALLER},
            "connected": {"name": "", "number": ""},
            "dialplan": {"context": "hotline-inbound", "exten": HOTLINE, "priority": 3},
            "linkedid": channel_id,
            "language": "zh",
        },
    }


def playback_finished(playback_id: str, channel_id: str) -> dict[str, Any]:
    playback = {"id": playback_id, "target_uri": f"channel:{channel_id}", "language": "zh", "state": "done"}
    return {"type": "PlaybackFinished", "application": APP, "playback": playback}


def channel_event(kind: str, channel_id: str) -> dict[str, Any]:
    return {"type": kind, "application": APP, "channel": {"id": channel_id, "state": "Up"}, "cause": 16}


def application(channel_ids: list[str]) -> dict[str, Any]:
    return {"name": APP, "channel_ids": channel_ids, "bridge_ids": [], "endpoint_ids": [], "device_names": []}


# ---- the center under test ---------------------------------------------------------------
@dataclass
class Lab:
    home: Path
    database: Database

    def settings(self, port: int) -> Settings:
        return Settings(
            home=self.home,
            database_url=self.database.url,
            http_port=port,
            ari_app=APP,
            language="zh",
            default_queue="city",
            welcome_prompt="welcome",
            ivr_flow="",  # no IVR flow: the welcome-then-queue path these tests drive
        )

    def call_rows(self) -> list[dict[str, Any]]:
        with self.database.session() as session:
            return [
                {
                    "uid": c.uid,
                    "channel_id": c.channel_id,
                    "caller": c.caller_number,
                    "dialed": c.dialed_number,
                    "via": c.via,
                    "queue": c.queue_name,
                    "county": c.county.code if c.county else None,
                    "disposition": c.disposition,
                }
                for c in session.scalars(select(Call).order_by(Call.id))
            ]


@pytest.fixture
def lab(tmp_path: Path, demo_database: Database, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("HOTLINE_CONFIG", str(tmp_path / "absent.toml"))
    return Lab(tmp_path, demo_database)


@asynccontextmanager
async def center(
    lab: Lab, routes: dict[tuple[str, str], Route] | None = None
) -> AsyncIterator[tuple[FakeAri, HotlineApp, asyncio.Task[None]]]:
    """A fake Asterisk and a running HotlineApp connected to it; the app is stopped on the way out."""
    async with FakeAri(APP, SecretStore.for_home(lab.home).ari_password()) as fake:
        fake.routes.update(routes or {})
        app = HotlineApp(lab.settings(fake.port), acd=False)  # no AMI in these tests
        task = asyncio.create_task(app.run(), name="hotline-app")
        try:
            await until(lambda: fake.calls("GET", APP_PATH), what="the first reconcile")
            yield fake, app, task
        finally:
            fake.delay = 0.0
            task.cancel()
            await asyncio.wait([task])
            if not task.cancelled() and task.exception() is not None:
                raise AssertionError("HotlineApp.run() failed") from task.exception()


def continues(fake: FakeAri, channel_id: str) -> list[dict[str, str]]:
    return [r.query for r in fake.calls("POST", f"/ari/channels/{channel_id}/continue")]


def requests_of(fake: FakeAri, channel_id: str) -> list[tuple[str, str, dict[str, str]]]:
    prefix = f"/ari/channels/{channel_id}"
    return [
        (r.method, r.raw_path.removeprefix(prefix), r.query)
        for r in fake.requests
        if r.raw_path == prefix or r.raw_path.startswith(prefix + "/")
    ]


async def prompt_of(fake: FakeAri, channel_id: str) -> str:
    """Wait until the call's prompt starts; its playback id."""
    pattern = f"/ari/channels/{channel_id}/play/*"
    await until(lambda: fake.matching("POST", pattern), what=f"{channel_id}'s prompt")
    return fake.matching("POST", pattern)[0].raw_path.rsplit("/", 1)[1]


async def settle(fake: FakeAri) -> None:
    """A barrier: a probe call with no feature goes round the app, so what was due before it is done."""
    probe = f"probe-{next(_probes)}"
    await fake.session.send(stasis_start(probe, ["no-such-feature"]))
    await until(lambda: continues(fake, probe), what=f"{probe} returned")


async def never(rec: Recorded) -> tuple[int, Any]:
    """A request Asterisk never answers."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


# ---- the inbound flow ----------------------------------------------------------------------
@wire
async def test_inbound_call_is_answered_registered_welcomed_then_handed_to_the_acd(lab: Lab) -> None:
    ch = "1763850000.11"
    async with center(lab) as (fake, app, _):
        await fake.session.send(stasis_start(ch))
        playback = await prompt_of(fake, ch)
        [row] = lab.call_rows()
        uid = row["uid"]
        await fake.session.send(playback_finished(f"play-{uid}-other", ch))  # not the one it waits for
        await settle(fake)
        assert continues(fake, ch) == [], "continued before its prompt finished"
        assert ch in app.calls
        await fake.session.send(playback_finished(playback, ch))
        await until(lambda: continues(fake, ch), what="continue")
        await until(lambda: not app.calls, what="call task ended")
    assert requests_of(fake, ch) == [
        ("POST", "/variable", {"variable": "__HOTLINE_CALL_ID", "value": uid}),
        ("POST", f"/play/play-{uid}-1", {"media": "sound:hotline/welcome", "lang": "zh"}),
        ("POST", "/continue", ACD),
    ]
    assert row == {
        "uid": uid,
        "channel_id": ch,
        "caller": CALLER,
        "dialed": HOTLINE,
        "via": "ari",
        "queue": "futian",  # CALLER is a member registered in Futian
        "county": "futian",
        "disposition": "active",
    }


@pytest.mark.parametrize("failing", ["variable", "play/*"])
@wire
async def test_a_failing_handler_returns_the_caller_to_the_failopen_context(lab: Lab, failing: str) -> None:
    ch = "1763850000.21"
    routes: dict[tuple[str, str], Route] = {
        ("POST", f"/ari/channels/{ch}/{failing}"): (500, {"message": "Internal Server Error"})
    }
    async with center(lab, routes) as (fake, app, _):
        await fake.session.send(stasis_start(ch))
        await until(lambda: continues(fake, ch), what="continue")
        await until(lambda: not app.calls, what="call task ended")
    assert continues(fake, ch) == [FAILOPEN]
    assert fake.calls("DELETE", f"/ari/channels/{ch}") == []


@pytest.mark.parametrize(("status", "hung_up"), [(500, True), (404, False), (409, False)])
@wire
async def test_when_failopen_fails_too_the_channel_is_hung_up_only_if_still_in_stasis(
    lab: Lab, status: int, hung_up: bool
) -> None:
    ch = "1763850000.22"
    routes: dict[tuple[str, str], Route] = {
        ("POST", f"/ari/channels/{ch}/variable"): (500, {"message": "Failed to set the variable"}),
        ("POST", f"/ari/channels/{ch}/continue"): (status, {"message": "refused by test"}),
    }
    async with center(lab, routes) as (fake, app, _):
        await fake.session.send(stasis_start(ch))
        await until(lambda: continues(fake, ch), what="continue")
        await until(lambda: not app.calls, what="call task ended")
    assert continues(fake, ch) == [FAILOPEN]
    hangups = [r.query for r in fake.calls("DELETE", f"/ari/channels/{ch}")]
    assert hangups == ([{"reason": "normal"}] if hung_up else [])


@pytest.mark.parametrize("kind", ["StasisEnd", "ChannelDestroyed"])
@wire
async def test_a_caller_who_hangs_up_during_the_prompt_ends_the_call_task_without_continue(
    lab: Lab, kind: str
) -> None:
    ch = "1763850000.31"
    async with center(lab) as (fake, app, _):
        await fake.session.send(stasis_start(ch))
        await prompt_of(fake, ch)
        await fake.session.send(channel_event(kind, ch))
        await until(lambda: ch not in app.calls, what="call task ended")
        assert app.calls == {}
    # Had the task still been waiting, stopping the app would have continued it to failopen.
    assert continues(fake, ch) == []
    assert fake.calls("DELETE", f"/ari/channels/{ch}") == []


@pytest.mark.parametrize("args", [["bogus", HOTLINE], []], ids=["unknown", "none"])
@wire
async def test_stasis_start_for_an_unknown_feature_goes_to_failopen(lab: Lab, args: list[str]) -> None:
    ch = "1763850000.41"
    async with center(lab) as (fake, app, _):
        await fake.session.send(stasis_start(ch, args))
        await until(lambda: continues(fake, ch), what="continue")
        await until(lambda: not app.calls, what="call task ended")
    assert requests_of(fake, ch) == [("POST", "/continue", FAILOPEN)]
    assert lab.call_rows() == []


# ---- reconnect and reconcile ---------------------------------------------------------------
@wire
async def test_channels_in_stasis_with_no_task_are_returned_to_failopen_at_start_and_reconnect(
    lab: Lab,
) -> None:
    routes: dict[tuple[str, str], Route] = {("GET", APP_PATH): (200, application(["orphan-1"]))}
    async with center(lab, routes) as (fake, _app, _):
        await until(lambda: continues(fake, "orphan-1"), what="orphan-1 returned")
        fake.routes[("GET", APP_PATH)] = (200, application(["orphan-2"]))
        await fake.session.close()
        await until(lambda: continues(fake, "orphan-2"), what="orphan-2 returned after reconnect")
    assert continues(fake, "orphan-1") == [FAILOPEN]
    assert continues(fake, "orphan-2") == [FAILOPEN]
    assert len(fake.event_sessions) == 2


@wire
async def test_a_prompt_that_ended_while_disconnected_is_found_by_reconcile(lab: Lab) -> None:
    ch = "1763850000.51"
    async with center(lab) as (fake, _app, _):
        await fake.session.send(stasis_start(ch))
        playback = await prompt_of(fake, ch)
        fake.routes[("GET", APP_PATH)] = (200, application([ch]))
        fake.routes[("GET", f"/ari/channels/{ch}")] = (200, {"id": ch, "state": "Up"})
        fake.routes[("GET", f"/ari/playbacks/{playback}")] = (200, {"id": playback, "state": "playing"})
        await fake.session.close()
        await until(lambda: fake.calls("GET", f"/ari/channels/{ch}"), what="first resync")
        await settle(fake)
        assert continues(fake, ch) == [], "a prompt still playing was taken for finished"
        # The PlaybackFinished is lost with the socket; Asterisk no longer knows the playback.
        fake.routes[("GET", f"/ari/playbacks/{playback}")] = (404, {"message": "Playback not found"})
        await fake.session.close()
        await until(lambda: continues(fake, ch), what="continue after the second resync")
        await until(lambda: not _app.calls, what="call task ended")
    assert continues(fake, ch) == [ACD]
    assert len(fake.event_sessions) == 3


@wire
async def test_a_call_that_left_stasis_while_disconnected_ends_without_continue(lab: Lab) -> None:
    ch = "1763850000.52"
    async with center(lab) as (fake, app, _):
        await fake.session.send(stasis_start(ch))
        await prompt_of(fake, ch)
        await fake.session.close()  # the listing after the reconnect no longer has the channel
        await until(lambda: ch not in app.calls, what="call task ended")
    assert continues(fake, ch) == []


@wire
async def test_a_call_arriving_while_reconcile_lists_the_app_is_not_taken_for_gone(lab: Lab) -> None:
    late = "1763850000.53"
    async with center(lab) as (fake, app, _):

        async def listing(rec: Recorded) -> tuple[int, Any]:
            snapshot = application([])  # taken just before `late` entered Stasis
            await fake.session.send(stasis_start(late))
            await until(lambda: late in app.calls, what="late call started")
            return 200, snapshot

        fake.routes[("GET", APP_PATH)] = listing
        await fake.session.close()
        playback = await prompt_of(fake, late)
        await fake.session.send(playback_finished(playback, late))
        await until(lambda: continues(fake, late), what="late call continued")
        await until(lambda: late not in app.calls, what="late call's task ended")
    assert continues(fake, late) == [ACD]


# ---- shutdown ------------------------------------------------------------------------------
@wire
async def test_stopping_the_app_returns_every_call_in_stasis_to_failopen_before_run_returns(lab: Lab) -> None:
    waiting, stuck = "1763850000.61", "1763850000.62"
    routes: dict[tuple[str, str], Route] = {("POST", f"/ari/channels/{stuck}/variable"): never}
    async with center(lab, routes) as (fake, app, task):
        await fake.session.send(stasis_start(waiting))
        await prompt_of(fake, waiting)
        await fake.session.send(stasis_start(stuck))
        await until(lambda: fake.calls("POST", f"/ari/channels/{stuck}/variable"), what="stuck request")
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled()
        assert continues(fake, waiting) == [FAILOPEN]
        assert continues(fake, stuck) == [FAILOPEN]
        assert app.calls == {}
    status = json.loads((lab.home / "run" / "ari_app.json").read_text())
    assert status["connected"] is False


# ---- load ----------------------------------------------------------------------------------
BURST = "1763850001"  # channel ids BURST.0 .. BURST.299


def burst_requests(fake: FakeAri, tail: str) -> list[Recorded]:
    return fake.matching("POST", f"/ari/channels/{BURST}.*/{tail}")


def channel_of(rec: Recorded) -> str:
    return rec.raw_path.split("/")[3]


def most_in_flight(requests: list[Recorded]) -> int:
    """The most of these requests the fake held unanswered at one time."""
    assert all(r.replied is not None for r in requests)
    return max(sum(1 for o in requests if o.seq <= r.seq < (o.replied or 0)) for r in requests)


@wire
async def test_a_burst_of_300_calls_with_slow_rest_does_not_hold_up_the_event_reader(lab: Lab) -> None:
    early = "1763850000.70"
    burst = [f"{BURST}.{n}" for n in range(300)]
    async with center(lab) as (fake, _app, _):
        await fake.session.send(stasis_start(early))
        early_playback = await prompt_of(fake, early)
        fake.delay = 0.05
        for ch in burst:
            await fake.session.send(stasis_start(ch))
        await fake.session.send(playback_finished(early_playback, early))

        # a burst call's first request is setting its call id (the dialplan answered it)
        answered = functools.partial(burst_requests, fake, "variable")
        await until(lambda: len(answered()) == 300, timeout=15, what="300 first requests")
        await until(lambda: continues(fake, early), timeout=15, what="the early call's continue")
        await until(lambda: all(r.replied for r in answered()), timeout=15, what="300 first requests replied")
        [early_continue] = fake.calls("POST", f"/ari/channels/{early}/continue")
        assert early_continue.query == ACD
        assert {channel_of(r) for r in answered()} == set(burst)
        # The PlaybackFinished sent after the 300 StasisStarts moved the early call on (its first
        # hand-off request) before any burst call had got through its call row and
        # variables to its prompt ...
        moved_on = early_continue
        assert all(moved_on.seq < p.seq for p in burst_requests(fake, "play/*"))
        # ... and the first requests did not go out one event at a time,
        assert most_in_flight(answered()) >= 10
        # nor over more connections than Asterisk's http.conf sessionlimit (100, WebSocket included).
        assert fake.most_connections <= 100

        fake.delay = 0.0  # and stopping the app now returns all 300, mid-flow, to the dialplan
    assert all(continues(fake, ch) == [FAILOPEN] for ch in burst)
    assert len(fake.event_sessions) == 1
