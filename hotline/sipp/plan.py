"""Turn a caller's options (number, digits, DTMF mode, timing) into a scenario context and its media pcap.

Digits may hold "," pauses (`pause_s` each) to walk IVR menus: in the RFC 4733 pcap they are time without
DTMF on the one stream, with SIP INFO they are longer waits between the INFO requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hotline.sipp.dtmf import PAUSE, DtmfTiming, check_digits, dtmf_span_ms, media_pcap, presses

DtmfMode = Literal["rfc4733", "info"]
DTMF_MODES: tuple[DtmfMode, ...] = ("rfc4733", "info")
DEFAULT_AUDIO = Path("/usr/share/sip-tester/g711a.pcap")
_SIP_USER = re.compile(r"^[A-Za-z0-9+._~-]{1,64}$")
_SECRET = re.compile(r"^[!-~]{1,128}$")  # printable ASCII without space
_SECRET_FORBIDDEN = set("[]<>&\"'")


@dataclass(frozen=True)
class CallOptions:
    """What one scripted caller does once Asterisk answers."""

    caller: str
    to: str
    digits: str = ""
    dtmf_mode: DtmfMode = "rfc4733"
    delay_s: float = 2.0  # after the answer, before the first digit
    hold_s: float = 5.0  # after the digits: until the caller hangs up (call) or at most (call-wait-bye)
    tone_ms: int = 160
    gap_ms: int = 300
    pause_s: float = 1.5  # per "," in digits (instead of the gap)
    audio: Path | None = field(default=DEFAULT_AUDIO)
    expect_status: int = 404  # call-rejected: the final response that counts as success

    @property
    def timing(self) -> DtmfTiming:
        return DtmfTiming(self.tone_ms, self.gap_ms, round(self.pause_s * 1000))


@dataclass(frozen=True)
class CallPlan:
    """The template context for the caller scenarios, and how long one call lasts once answered."""

    context: dict[str, Any]
    talk_ms: int


def check_sip_user(value: str, what: str) -> str:
    """Return `value` if it can be a SIP URI user part here, else raise ValueError."""
    if not _SIP_USER.match(value):
        raise ValueError(f"{what} {value!r} is not a plain SIP user (letters, digits, + . _ ~ -)")
    return value


def check_secret(value: str) -> str:
    """Return a password that SIPp's [authentication] keyword and XML can carry, else raise ValueError."""
    if not _SECRET.match(value) or _SECRET_FORBIDDEN & set(value):
        raise ValueError("the SIP password has characters SIPp cannot carry (space, brackets, quotes, <>&)")
    return value


def _info_steps(digits: str, delay_ms: int, opts: CallOptions) -> tuple[list[dict[str, Any]], int]:
    """Waits and one INFO per digit; each INFO's tone counts before the next wait (gap or pauses)."""
    items, trailing = presses(digits, opts.timing)
    steps: list[dict[str, Any]] = []
    for i, (idle, digit) in enumerate(items):
        _add_wait(steps, idle + (opts.tone_ms if i else delay_ms))
        steps.append({"kind": "info", "digit": digit, "cseq": 2 + i})
    if trailing:
        _add_wait(steps, opts.tone_ms + trailing)
    span = sum(idle for idle, _ in items) + len(items) * opts.tone_ms + trailing
    return steps, span


def _add_wait(steps: list[dict[str, Any]], ms: int) -> None:
    if ms > 0:  # SIPp reads a timeout of 0 as none: the call would wait forever
        steps.append({"kind": "wait", "ms": ms})


def plan_call(opts: CallOptions, cache_dir: Path) -> CallPlan:
    """Steps after the answer (waits, SIP INFO digits) and the pcap the caller plays from the answer on.

    RFC 4733 digits ride inside the audio pcap (one stream, one SSRC); SIP INFO digits are steps.
    """
    check_sip_user(opts.caller, "caller")
    check_sip_user(opts.to, "number")
    digits = check_digits(opts.digits)
    if opts.dtmf_mode not in DTMF_MODES:
        raise ValueError(f"DTMF mode {opts.dtmf_mode!r} is not one of {', '.join(DTMF_MODES)}")
    if opts.pause_s < 0:
        raise ValueError(f"pause {opts.pause_s} s is negative")
    if opts.audio is not None and not opts.audio.is_file():
        raise ValueError(f"caller audio {opts.audio} not found (install sip-tester, or pass audio=None)")
    delay_ms, hold_ms = round(opts.delay_s * 1000), round(opts.hold_s * 1000)
    steps: list[dict[str, Any]] = []
    span = 0
    if digits and opts.dtmf_mode == "info":
        steps, span = _info_steps(digits, delay_ms, opts)
    elif digits:
        span = dtmf_span_ms(digits, opts.timing)
        _add_wait(steps, delay_ms + span)
    media = ""
    if opts.audio is not None or (digits and opts.dtmf_mode == "rfc4733"):
        in_band = digits if opts.dtmf_mode == "rfc4733" else ""
        lead = delay_ms if in_band else 0
        tail = hold_ms if in_band else delay_ms + span + hold_ms
        pcap = media_pcap(
            cache_dir, in_band, lead_ms=lead, tail_ms=tail, timing=opts.timing, audio_source=opts.audio
        )
        media = str(pcap.path)
    context = {
        "from_user": opts.caller,
        "to": opts.to,
        "steps": steps,
        "hold_ms": max(hold_ms, 1),
        "media_pcap": media,
        "tone_ms": opts.tone_ms,
        "bye_cseq": 2 + (len(digits.replace(PAUSE, "")) if opts.dtmf_mode == "info" else 0),
        "expect_status": opts.expect_status,
    }
    return CallPlan(context, (delay_ms + span if digits else 0) + hold_ms)
