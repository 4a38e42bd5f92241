"""Run scripted callers and agent phones against the center's Asterisk with SIPp.

    result = run_call(settings, caller="13800138000", digits="1")          # blocking
    with start_call(settings, caller="13800138000", hold_s=30) as call:      # in the background
        ...                                                                 # the call is up meanwhile
        result = call.wait()
    with AgentPhone(settings, "agent8001") as phone:                         # REGISTER + answer, RTP echo
        ...
        phone.answered

Callers send from the carrier address (settings.carrier_addresses[0]); agent phones from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from hotline.secrets import SecretStore
from hotline.settings import Settings
from hotline.sipp import library
from hotline.sipp.plan import DEFAULT_AUDIO, CallOptions, DtmfMode, check_secret, check_sip_user, plan_call
from hotline.sipp.ports import ALLOCATOR, PortBases, Reservation, udp_bound
from hotline.sipp.process import SippCommand, SippError, SippEvent, SippProcess, SippResult

logger = logging.getLogger(__name__)

AGENT_ADDRESS = "127.0.0.1"
SETUP_MARGIN_S = 30.0  # per run: SIPp start, call setup, a queue's ring time


class AgentPhoneError(SippError):
    """The agent phone could not start: SIPp's report is in the message."""


def remote_address(settings: Settings) -> str:
    """host:port where Asterisk takes SIP (a wildcard bind is reached on 127.0.0.1)."""
    host = settings.bind_host if settings.bind_host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    return f"{host}:{settings.sip_port}"


def _avoid(settings: Settings) -> tuple[range, ...]:
    return range(settings.sip_port, settings.sip_port + 1), range(settings.rtp_start, settings.rtp_end + 1)


def reserve_ports(settings: Settings, host: str, sip_base: int, exact: bool = False) -> Reservation:
    """A SIP port (from `sip_base` up, or exactly it) and a media block for one SIPp instance on `host`."""
    bases = PortBases.from_settings(settings)
    res = ALLOCATOR.reserve(host, sip_base, bases.media, _avoid(settings))
    if exact and res.sip_port != sip_base:
        res.release()
        raise SippError(f"UDP port {host}:{sip_base} is taken")
    return res


def run_dir(settings: Settings) -> Path:
    """Where SIPp working directories go (kept after a failure, removed after success)."""
    return settings.run_dir / "sipp"


def start_call(
    settings: Settings,
    *,
    caller: str,
    to: str | None = None,
    digits: str = "",
    dtmf_mode: DtmfMode = "rfc4733",
    hold_s: float = 5.0,
    calls: int = 1,
    rate: float = 1.0,
    scenario: str | Path = "call",
    timeout: float | None = None,
    delay_s: float = 2.0,
    pause_s: float = 1.5,
    audio: Path | None = DEFAULT_AUDIO,
    expect_status: int = 404,
    port: int | None = None,
    keep: bool = False,
) -> SippProcess:
    """Start `calls` scripted callers (scenario by library name or template Path) in the background.

    A "," in `digits` pauses `pause_s` seconds (walking IVR menus); hotline.sipp.presets has named callers.
    """
    if calls < 1 or rate <= 0:
        raise ValueError("calls must be at least 1 and rate positive")
    if isinstance(scenario, str) and library.scenario(scenario).role != "caller":
        raise ValueError(f"scenario {scenario!r} is not a caller scenario")
    opts = CallOptions(
        caller=caller,
        to=to or settings.hotline_numbers[0],
        digits=digits,
        dtmf_mode=dtmf_mode,
        delay_s=delay_s,
        hold_s=hold_s,
        pause_s=pause_s,
        audio=audio,
        expect_status=expect_status,
    )
    plan = plan_call(opts, settings.cache / "sipp")
    xml = library.render(scenario, plan.context)
    if timeout is None:
        timeout = (calls - 1) / rate + plan.talk_ms / 1000 + SETUP_MARGIN_S
    host = settings.carrier_addresses[0]
    bases = PortBases.from_settings(settings)
    reservation = reserve_ports(settings, host, port or bases.caller, exact=port is not None)
    name = scenario if isinstance(scenario, str) else scenario.name.split(".")[0]
    command = SippCommand(
        name=name,
        xml=xml,
        local_ip=host,
        reservation=reservation,
        remote=remote_address(settings),
        calls=calls,
        rate=rate,
        timeout_s=timeout,
    )
    logger.info(
        "sipp %s: %d call(s) %s -> %s from %s:%d", name, calls, caller, opts.to, host, reservation.sip_port
    )
    return SippProcess(command, run_dir(settings), keep=keep, expected=calls)


def run_call(settings: Settings, **kwargs: Any) -> SippResult:
    """Place the calls and wait for them all: start_call(settings, **kwargs).wait()."""
    return start_call(settings, **kwargs).wait()


async def run_call_async(settings: Settings, **kwargs: Any) -> SippResult:
    """run_call(settings, **kwargs) in a worker thread, for asyncio code (the loop is never blocked)."""
    return await asyncio.to_thread(functools.partial(run_call, settings, **kwargs))


class AgentPhone:
    """An agent's softphone: a SIPp UAS answering with RTP echo, registered by a second SIPp instance.

    start() brings the UAS up and registers (raising AgentPhoneError with SIPp's report on failure);
    while running it re-registers every expires/2; stop() unregisters (Expires: 0) and ends the UAS.
    """

    def __init__(
        self,
        settings: Settings,
        endpoint: str,
        password: str | None = None,
        port: int | None = None,
        *,
        address: str = AGENT_ADDRESS,
        expires: int = 120,
        ring_ms: int = 300,
        keep: bool = False,
        talk_ms: int = 0,
    ) -> None:
        self.settings = settings
        self.endpoint = check_sip_user(endpoint, "endpoint")
        self.password = check_secret(password or SecretStore.for_home(settings.home).sip_password(endpoint))
        self.address = address
        self.expires = expires
        self.ring_ms = ring_ms
        self.talk_ms = talk_ms  # > 0: the phone hangs up after talking this long
        self.keep = keep
        self._port = port
        self._uas: SippProcess | None = None
        self._reg_ports: Reservation | None = None
        self._call_id = f"{endpoint}-{uuid.uuid4().hex[:12]}@hotline"
        self._cseq = 1
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._refresher: threading.Thread | None = None
        self.registered = False
        self.unregistered = False  # stop() had its REGISTER with Expires: 0 accepted
        self.register_failures = 0
        self.last_register: SippResult | None = None

    def __enter__(self) -> AgentPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The UAS's SIP port (the Contact registered for the endpoint)."""
        if self._uas is None:
            raise SippError("agent phone not started")
        return self._uas.command.reservation.sip_port

    @property
    def contact(self) -> str:
        return f"sip:{self.endpoint}@{self.address}:{self.port}"

    @property
    def running(self) -> bool:
        return self._uas is not None and self._uas.running

    def events(self) -> list[SippEvent]:
        """The UAS's log lines: answered (with the caller's From), ended, cancelled."""
        return self._uas.events() if self._uas else []

    @property
    def answered(self) -> int:
        """Calls answered so far."""
        return sum(1 for e in self.events() if e.event == "answered")

    def start(self, timeout: float = 10.0) -> AgentPhone:
        """Bring the answering UAS up, then REGISTER; raises AgentPhoneError with SIPp's report."""
        bases = PortBases.from_settings(self.settings)
        uas_ports = reserve_ports(
            self.settings, self.address, self._port or bases.agent, exact=self._port is not None
        )
        xml = library.render("agent-answer", {"ring_ms": self.ring_ms, "talk_ms": self.talk_ms})
        command = SippCommand(
            name=f"{self.endpoint}-answer",
            xml=xml,
            local_ip=self.address,
            reservation=uas_ports,
            calls=1_000_000,
            timeout_s=None,
            rtp_echo=True,
        )
        self._uas = SippProcess(command, run_dir(self.settings), keep=self.keep)
        try:
            self._wait_bound(uas_ports.sip_port, timeout)
            self._reg_ports = reserve_ports(self.settings, self.address, uas_ports.sip_port + 1)
            result = self.register(self.expires)
            if not result.ok:
                raise AgentPhoneError(f"agent {self.endpoint}: REGISTER failed\n{result.report()}")
        except BaseException:
            self.stop(unregister=False)
            raise
        self._stopping.clear()
        self._refresher = threading.Thread(target=self._refresh, name=f"sipp-{self.endpoint}", daemon=True)
        self._refresher.start()
        logger.info("agent %s: registered %s", self.endpoint, self.contact)
        return self

    def _wait_bound(self, port: int, timeout: float) -> None:
        # SIPp prints nothing when it is ready; it is once its SIP port is bound.
        assert self._uas is not None
        waiter = threading.Event()
        for _ in range(int(timeout / 0.05)):
            if not self._uas.running:
                raise AgentPhoneError(f"agent {self.endpoint}: SIPp UAS exited\n{self._uas.wait().report()}")
            if udp_bound(self.address, port):
                return
            waiter.wait(0.05)
        raise AgentPhoneError(f"agent {self.endpoint}: SIPp UAS did not bind {self.address}:{port}")

    def register(self, expires: int) -> SippResult:
        """One REGISTER exchange (401, then digest auth) for `expires` seconds; 0 unregisters."""
        if self._reg_ports is None or self._uas is None:
            raise SippError("agent phone not started")
        with self._lock:
            context = {
                "user": self.endpoint,
                "password": self.password,
                "contact_port": self.port,
                "expires": expires,
                "cseq": self._cseq,
            }
            self._cseq += 2
            xml = library.render("agent-register", context)
            command = SippCommand(
                name=f"{self.endpoint}-register",
                xml=xml,
                local_ip=self.address,
                reservation=self._reg_ports,
                remote=remote_address(self.settings),
                timeout_s=10,
                call_id=self._call_id,
            )
            result = SippProcess(
                command, run_dir(self.settings), keep=self.keep, expected=1, release_ports=False
            ).wait()
            self.last_register = result
            self.registered = result.ok and expires > 0
            return result

    def _refresh(self) -> None:
        while not self._stopping.wait(max(self.expires / 2, 1)):
            result = self.register(self.expires)
            if not result.ok:
                self.register_failures += 1
                logger.warning("agent %s: re-REGISTER failed: %s", self.endpoint, result.summary())

    def stop(self, unregister: bool = True) -> SippResult | None:
        """Unregister (best effort), end the UAS (live calls get a BYE); the UAS's SippResult."""
        self._stopping.set()
        if self._refresher is not None and self._refresher is not threading.current_thread():
            self._refresher.join()
        self._refresher = None
        if unregister and self.registered:
            for attempt in (1, 2):  # once more after a lost exchange (a loaded machine, a late reply)
                result = self.register(0)
                if result.ok:
                    self.unregistered = True
                    break
                logger.warning("agent %s: unregister %d failed: %s", self.endpoint, attempt, result.summary())
        if self._reg_ports is not None:
            self._reg_ports.release()
        return self._uas.stop() if self._uas is not None else None
