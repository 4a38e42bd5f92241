"""`hotline sipp list|presets|run|agent`: scripted callers and agent phones (SIPp) against the Asterisk."""

from __future__ import annotations

import re
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, cast

import click
from click.core import ParameterSource
from sqlalchemy.exc import SQLAlchemyError

from hotline.cli.common import UserError, pass_settings, progress
from hotline.db.session import Database
from hotline.services.agents import AgentNotFound, find_agent
from hotline.settings import Settings
from hotline.sipp import library, presets
from hotline.sipp.plan import DEFAULT_AUDIO, DTMF_MODES, DtmfMode
from hotline.sipp.process import SippEvent, SippResult
from hotline.sipp.runner import AgentPhone, AgentPhoneError, remote_address, start_call

_FROM_USER = re.compile(r"sip:([^@;>]+)@")
_SECONDS = click.FloatRange(min=0)


@click.group()
def sipp() -> None:
    """Scripted callers and agent phones (SIPp) against the center's Asterisk."""


@sipp.command("list")
def list_() -> None:
    """The scenario library: name and what each scenario does."""
    for s in library.list_scenarios():
        click.echo(f"{s.name:<16} {s.description}")


@sipp.command("presets")
@pass_settings
def presets_(settings: Settings) -> None:
    """Named callers for the IVR demo and localized routing: caller -> number, keys, what they do."""
    for p in presets.PRESETS:
        route = f"{p.caller} -> {p.to or settings.hotline_numbers[0]}"
        click.echo(f"{p.name:<21} {route:<27} {p.digits or '-':<16} {p.description}")


# `run` options a preset supplies, and the start_call keyword each one sets
_PRESET_OPTIONS = {"caller": "caller", "to": "to", "digits": "digits", "hold": "hold_s", "delay": "delay_s"}


def _call_values(preset: str | None) -> dict[str, Any]:
    """caller/to/digits/hold_s/delay_s for start_call: the preset's, unless given on the command line."""
    ctx = click.get_current_context()
    try:
        values = presets.preset_call_kwargs(preset) if preset else {}
    except presets.PresetNotFound as exc:
        raise UserError(str(exc)) from exc
    for option, key in _PRESET_OPTIONS.items():
        if key not in values or ctx.get_parameter_source(option) is not ParameterSource.DEFAULT:
            values[key] = ctx.params[option]
    return values


def _caller_scenario(name: str) -> str:
    try:
        info = library.scenario(name)
    except library.ScenarioNotFound as exc:
        raise UserError(str(exc)) from exc
    if info.role != "caller":
        agentish = info.role in ("answer", "register")
        hint = " (use `hotline sipp agent NAME` for an agent phone)" if agentish else ""
        raise UserError(f"scenario {name!r} is not a caller scenario{hint}")
    return name


@sipp.command()
@click.argument("name", required=False)
@click.option("--preset", default=None, help="A named caller (`hotline sipp presets`) giving the defaults.")
@click.option("--caller", default="13800138000", show_default=True, help="Caller number (the From user).")
@click.option("--to", default=None, help="Number dialed.  [default: the first hotline number]")
@click.option("--digits", default="", help="DTMF digits sent --delay seconds after the answer; ',' pauses.")
@click.option(
    "--pause", default=1.5, show_default=True, type=_SECONDS, help="Seconds each ',' in --digits waits."
)
@click.option(
    "--dtmf",
    "dtmf_mode",
    type=click.Choice(DTMF_MODES),
    default="rfc4733",
    show_default=True,
    help="In-band RFC 4733 events or SIP INFO (application/dtmf-relay).",
)
@click.option("--delay", default=2.0, show_default=True, help="Seconds from the answer to the first digit.")
@click.option("--calls", default=1, show_default=True, type=click.IntRange(min=1), help="Calls to place.")
@click.option(
    "--rate",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="New calls per second.",
)
@click.option(
    "--hold",
    default=5.0,
    show_default=True,
    help="Seconds after the digits until the caller hangs up (call-wait-bye: at most).",
)
@click.option("--timeout", default=None, type=float, help="Give up after this many seconds.  [default: auto]")
@click.option("--expect-status", default=404, show_default=True, help="call-rejected: the expected refusal.")
@click.option("--no-audio", is_flag=True, help="Send no caller audio (DTMF only).")
@click.option("--keep", is_flag=True, help="Keep SIPp's working directory even when every call succeeded.")
@click.option("--agent", "agent_name", default=None, help="With NAME `agent`: the agent (e.g. 8001) to be.")
@pass_settings
def run(
    settings: Settings,
    name: str | None,
    preset: str | None,
    caller: str,
    to: str | None,
    digits: str,
    pause: float,
    dtmf_mode: str,
    delay: float,
    calls: int,
    rate: float,
    hold: float,
    timeout: float | None,
    expect_status: int,
    no_audio: bool,
    keep: bool,
    agent_name: str | None,
) -> None:
    """Place CALLS calls with scenario NAME (see `hotline sipp list`); exit 1 if any call failed.

    With --preset (see `hotline sipp presets`) NAME defaults to `call` and the preset's caller, number,
    digits, hold and delay are the defaults; options given still win.

    `hotline sipp run agent --agent 8001` is agent mode: the same as `hotline sipp agent 8001`."""
    if name == "agent":
        if not agent_name:
            raise UserError("agent mode needs --agent NAME (e.g. 8001); `hotline agents list` shows them")
        click.get_current_context().invoke(agent, endpoint=agent_name)
        return
    if name is None and preset is None:
        raise UserError("name a scenario (`hotline sipp list`) or a --preset (`hotline sipp presets`)")
    name = _caller_scenario(name or "call")
    values = _call_values(preset)
    audio: Path | None = None if no_audio or not DEFAULT_AUDIO.exists() else DEFAULT_AUDIO
    dialed = values.pop("to") or settings.hotline_numbers[0]
    label = f"{name} ({preset})" if preset else name
    progress(f"{label}: {calls} call(s) {values['caller']} -> {dialed} at {remote_address(settings)}")
    try:
        proc = start_call(
            settings,
            to=dialed,
            **values,
            pause_s=pause,
            dtmf_mode=cast(DtmfMode, dtmf_mode),
            calls=calls,
            rate=rate,
            scenario=name,
            timeout=timeout,
            audio=audio,
            expect_status=expect_status,
            keep=keep,
        )
    except (ValueError, RuntimeError) as exc:  # bad options; SippError; no free port
        raise UserError(str(exc)) from exc
    try:
        result = proc.wait()
    except KeyboardInterrupt:
        progress("interrupted: ending the calls")
        result = proc.stop()
    _finish(result)


def _finish(result: SippResult) -> None:
    if not result.ok:
        click.echo(result.report(), err=True)
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)


def _endpoint_of(settings: Settings, name: str) -> str:
    """An agent's SIP endpoint from its name or endpoint; other names are taken as endpoints."""
    try:
        with Database(settings.db_url).session() as session:
            return find_agent(session, name).endpoint
    except (AgentNotFound, SQLAlchemyError):
        return name


def _describe(endpoint: str, event: SippEvent) -> str | None:
    if event.event == "answered":
        match = _FROM_USER.search(" ".join(event.fields))
        return f"{endpoint}: answered call from {match.group(1) if match else '?'} ({event.call_id})"
    if event.event == "ended":
        return f"{endpoint}: call ended ({event.call_id})"
    if event.event == "cancelled":
        return f"{endpoint}: call cancelled while ringing ({event.call_id})"
    return None


@sipp.command()
@click.argument("endpoint")
@click.option("--port", default=None, type=int, help="SIP port of the phone.  [default: first free one]")
@click.option(
    "--expires",
    default=120,
    show_default=True,
    type=click.IntRange(min=10),
    help="Registration lifetime; re-registered every half of it.",
)
@click.option("--ring", "ring_ms", default=300, show_default=True, help="Milliseconds of ringing.")
@click.option("--password", default=None, help="SIP password.  [default: the center's secret for ENDPOINT]")
@pass_settings
def agent(
    settings: Settings, endpoint: str, port: int | None, expires: int, ring_ms: int, password: str | None
) -> None:
    """Be ENDPOINT's phone (agent8001, or the agent 8001): register, answer with RTP echo until Ctrl-C."""
    endpoint = _endpoint_of(settings, endpoint)
    try:
        phone = AgentPhone(settings, endpoint, password, port, expires=expires, ring_ms=ring_ms).start()
    except AgentPhoneError as exc:
        click.echo(str(exc), err=True)
        raise UserError(f"{endpoint}: the phone could not register at {remote_address(settings)}") from exc
    except (ValueError, RuntimeError) as exc:
        raise UserError(str(exc)) from exc
    click.echo(
        f"{endpoint}: registered {phone.contact} at {remote_address(settings)}; "
        "answering with RTP echo (Ctrl-C to stop)"
    )
    stopping = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    seen = 0
    try:
        while not stopping.wait(0.5) and phone.running:
            events = phone.events()
            for event in events[seen:]:
                line = _describe(endpoint, event)
                if line:
                    click.echo(line)
            seen = len(events)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        crashed = not phone.running
        phone.stop()
    left = "unregistered" if phone.unregistered else "could not unregister (see the log)"
    click.echo(f"{endpoint}: answered {phone.answered} call(s); {left}")
    if crashed:
        raise UserError(f"{endpoint}: the SIPp phone stopped unexpectedly")
