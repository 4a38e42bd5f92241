"""One SIPp instance: its command line, its working directory, the process, and what it reports.

SIPp writes, in its working directory: `stats.csv` (cumulative counters, every second and at exit),
`events.log` (the scenarios' `hotline|<event>|<call-id>|...` log lines, flushed per line),
`errors.log` (unexpected messages, receive timeouts) and `sipp.out` (its screen).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotline.sipp.ports import Reservation

logger = logging.getLogger(__name__)

SIPP_BINARY = "sipp"
SCENARIO_FILE = "scenario.xml"
STATS_FILE = "stats.csv"
EVENTS_FILE = "events.log"
ERRORS_FILE = "errors.log"
OUTPUT_FILE = "sipp.out"
EVENT_PREFIX = "hotline"
TAIL_CHARS = 2500
STOP_POLL_S = 0.2
BACKSTOP_S = 15  # SIPp's -timeout beyond timeout_s

_LIVE: weakref.WeakSet[SippProcess] = weakref.WeakSet()
_ATEXIT: list[bool] = []


class SippError(RuntimeError):
    """SIPp could not be started or did something it should not have."""


@dataclass(frozen=True)
class SippEvent:
    """One `hotline|<event>|<call-id>|<fields...>` line a scenario logged."""

    event: str
    call_id: str
    fields: tuple[str, ...]


def parse_events(text: str) -> list[SippEvent]:
    """The scenario log lines in `text`, in order; other lines are ignored."""
    events = []
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) >= 3 and parts[0] == EVENT_PREFIX:
            events.append(SippEvent(parts[1], parts[2], tuple(p for p in parts[3:] if p)))
    return events


def parse_stats(text: str) -> dict[str, str]:
    """The last row of a SIPp -trace_stat CSV (';'-separated, header first) as {column: value}."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header = lines[0].split(";")
    return dict(zip(header, lines[-1].split(";"), strict=False))


def _count(stats: dict[str, str], column: str) -> int:
    try:
        return int(stats.get(column, "0") or 0)
    except ValueError:
        return 0


def _tail(path: Path, chars: int = TAIL_CHARS) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(max(path.stat().st_size - chars, 0))
            return fh.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


@dataclass
class SippResult:
    """How a SIPp run ended: exit status, call counters, scenario events, and where its files are."""

    name: str
    rc: int | None
    successful: int
    failed: int
    created: int
    elapsed_s: float
    output: str
    errors: str
    workdir: Path
    events: list[SippEvent] = field(default_factory=list)
    timed_out: bool = False
    expected: int | None = None

    @property
    def ok(self) -> bool:
        """Exit status 0, no failed call, and (when known) every expected call successful."""
        enough = self.expected is None or self.successful >= self.expected
        return self.rc == 0 and self.failed == 0 and not self.timed_out and enough

    def count(self, event: str) -> int:
        """How many times the scenario logged `event` (answered, hangup-remote, registered, ...)."""
        return sum(1 for e in self.events if e.event == event)

    @property
    def remote_hangups(self) -> int:
        return self.count("hangup-remote")

    def summary(self) -> str:
        line = (
            f"sipp {self.name}: {self.created} calls, {self.successful} successful, "
            f"{self.failed} failed ({self.elapsed_s:.1f} s)"
        )
        if self.timed_out:
            line += ", stopped: timed out"
        elif self.rc not in (0, 1):
            line += f", exit status {self.rc}"
        return line

    def report(self) -> str:
        """The summary plus SIPp's error log and screen tails, for a failure message."""
        parts = [self.summary(), f"workdir: {self.workdir}"]
        if self.errors.strip():
            parts += ["--- errors.log (tail) ---", self.errors.strip()]
        if self.output.strip():
            parts += ["--- sipp output (tail) ---", self.output.strip()]
        return "\n".join(parts)


@dataclass(frozen=True)
class SippCommand:
    """Everything needed to start one SIPp instance."""

    name: str
    xml: str
    local_ip: str
    reservation: Reservation
    remote: str | None = None  # host:port to call/register at; None for a UAS
    calls: int = 1
    rate: float = 1.0
    timeout_s: float | None = 60.0
    rtp_echo: bool = False
    call_id: str | None = None  # a fixed Call-ID (-cid_str), for REGISTER refreshes
    extra: tuple[str, ...] = ()

    @property
    def control_port(self) -> int:
        """SIPp's UDP control socket: inside the media block (SIPp binds only its first and third port)."""
        return self.reservation.media_port + 1

    def argv(self, workdir: Path) -> list[str]:
        """The sipp command line, with every log file inside `workdir`."""
        res = self.reservation
        argv = [SIPP_BINARY] + ([self.remote] if self.remote else [])
        argv += [
            "-sf",
            str(workdir / SCENARIO_FILE),
            "-i",
            self.local_ip,
            "-p",
            str(res.sip_port),
            "-mp",
            str(res.media_port),
            "-ci",
            self.local_ip,
            "-cp",
            str(self.control_port),
            "-m",
            str(self.calls),
            "-nostdin",
            "-aa",
            "-trace_err",
            "-error_file",
            str(workdir / ERRORS_FILE),
            "-trace_stat",
            "-stf",
            str(workdir / STATS_FILE),
            "-fd",
            "1",
            "-trace_logs",
            "-log_file",
            str(workdir / EVENTS_FILE),
        ]
        if self.remote:
            # -l: SIPp would otherwise allow only 3 x rate calls at once (our scenarios have no <pause>)
            argv += ["-r", f"{self.rate:g}", "-rp", "1000", "-l", str(self.calls)]
        if self.timeout_s:
            # SIPp's own timeout is the backstop: it exits without hanging up, so wait() stops first
            argv += ["-timeout", f"{round(self.timeout_s + BACKSTOP_S)}s", "-timeout_error"]
        if self.rtp_echo:
            argv.append("-rtp_echo")
        if self.call_id:
            argv += ["-cid_str", self.call_id]
        return argv + list(self.extra)


class SippProcess:
    """A running SIPp instance (Popen wrapper): wait() or stop() it to get a SippResult."""

    def __init__(
        self,
        command: SippCommand,
        run_dir: Path,
        *,
        keep: bool = False,
        expected: int | None = None,
        release_ports: bool = True,
    ) -> None:
        self.command = command
        self.keep = keep
        self.expected = expected
        self._release_ports = release_ports
        self._result: SippResult | None = None
        run_dir.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{command.name}-", dir=run_dir))
        (self.workdir / SCENARIO_FILE).write_text(command.xml, encoding="iso-8859-1")
        argv = command.argv(self.workdir)
        logger.debug("sipp %s: starting %s", command.name, " ".join(argv))
        self._out = (self.workdir / OUTPUT_FILE).open("wb")
        self.started = time.monotonic()
        try:
            # Own session: a Ctrl-C in the terminal reaches us, and we end SIPp's calls with a BYE.
            self._popen = subprocess.Popen(
                argv,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            self._out.close()
            self._cleanup_ports()
            raise SippError(f"{SIPP_BINARY} not found: install sip-tester (Debian) or SIPp 3.6+") from exc
        self.pid = self._popen.pid
        _LIVE.add(self)
        if not _ATEXIT:  # a test run or CLI that dies early must not leave SIPp instances behind
            _ATEXIT.append(True)
            atexit.register(stop_all)

    def __enter__(self) -> SippProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._popen.poll() is None

    def events(self) -> list[SippEvent]:
        """The scenario's log lines so far (also while it runs)."""
        try:
            return parse_events((self.workdir / EVENTS_FILE).read_text(errors="replace"))
        except FileNotFoundError:
            return self._result.events if self._result else []

    def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for SIPp to exit (by default the command's timeout_s); on expiry stop() it (BYEs sent)."""
        if timeout is None and self.command.timeout_s:
            timeout = self.command.timeout_s
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("sipp %s: still running after %.0f s, stopping it", self.command.name, timeout)
            return self.stop(timed_out=True)
        return self._finish()

    def active_calls(self) -> list[str]:
        """Call-IDs of the calls answered and not yet ended, from the scenario's log."""
        live: dict[str, bool] = {}
        for e in self.events():
            if e.event == "answered":
                live[e.call_id] = True
            elif e.event in ("ended", "cancelled"):
                live.pop(e.call_id, None)
        return list(live)

    def stop(self, grace: float = 5.0, *, timed_out: bool = False) -> SippResult:
        """End SIPp: no new calls, live calls hang up with a BYE; SIGTERM/SIGKILL if it lingers.

        SIGUSR1 cannot do this in SIPp 3.6 once all -m calls exist (its main loop resets the quit
        level), so: `q` on SIPp's control socket stops new calls, and a NOTIFY into each live call
        takes the scenario to its "stop" branch, which sends the BYE.
        """
        cmd = self.command
        deadline = time.monotonic() + grace
        if self.running:
            _send_udp(b"q", cmd.local_ip, cmd.control_port)
        while self.running and time.monotonic() < deadline:
            for call_id in self.active_calls():
                _send_udp(
                    _stop_request(cmd.local_ip, cmd.reservation.sip_port, call_id),
                    cmd.local_ip,
                    cmd.reservation.sip_port,
                )
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(STOP_POLL_S)
        for sig, wait_s in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
            if not self.running:
                break
            logger.warning("sipp %s: did not end its calls in %.0f s, sending %s", cmd.name, grace, sig.name)
            with contextlib.suppress(ProcessLookupError):
                self._popen.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(wait_s)
        return self._finish(timed_out=timed_out)

    def _cleanup_ports(self) -> None:
        if self._release_ports:
            self.command.reservation.release()

    def _finish(self, timed_out: bool = False) -> SippResult:
        if self._result is not None:
            return self._result
        self._popen.wait()
        self._out.close()
        self._cleanup_ports()
        _LIVE.discard(self)
        stats = parse_stats(_read(self.workdir / STATS_FILE))
        result = SippResult(
            name=self.command.name,
            rc=self._popen.returncode,
            successful=_count(stats, "SuccessfulCall(C)"),
            failed=_count(stats, "FailedCall(C)"),
            created=_count(stats, "TotalCallCreated"),
            elapsed_s=time.monotonic() - self.started,
            output=_tail(self.workdir / OUTPUT_FILE),
            errors=_tail(self.workdir / ERRORS_FILE),
            workdir=self.workdir,
            events=parse_events(_read(self.workdir / EVENTS_FILE)),
            timed_out=timed_out,
            expected=self.expected,
        )
        self._result = result
        logger.debug("%s", result.summary())
        if result.ok and not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return result


def _stop_request(host: str, port: int, call_id: str) -> bytes:
    """The in-dialog NOTIFY the scenarios' waits take as "hang up now" (see _sip.xml.jinja)."""
    branch = f"z9hG4bK-hotline-{secrets.token_hex(6)}"
    lines = [
        f"NOTIFY sip:sipp@{host}:{port} SIP/2.0",
        f"Via: SIP/2.0/UDP {host}:9;branch={branch}",
        f"From: <sip:hotline-stop@{host}>;tag={secrets.token_hex(4)}",
        f"To: <sip:sipp@{host}:{port}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 NOTIFY",
        "Event: hotline-stop",
        "Max-Forwards: 70",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def _send_udp(data: bytes, host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendto(data, (host, port))
        except OSError as exc:
            logger.debug("sipp: cannot send to %s:%d: %s", host, port, exc)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def stop_all(processes: Sequence[SippProcess] | None = None) -> None:
    """Stop every SIPp instance this process started and that still runs (also run at exit)."""
    for proc in list(processes if processes is not None else _LIVE):
        if proc.running:
            proc.stop(grace=2.0)


def sipp_available() -> bool:
    """True if the sipp binary is on PATH."""
    return shutil.which(SIPP_BINARY) is not None
