"""Named SIPp callers for the IVR demo flow and localized routing (`hotline sipp presets`).

Each preset is who calls, what they dial and which keys they press ("," = a pause), timed so the call
reaches the queue. Use them from the CLI (`hotline sipp run --preset ivr-family-nanny`) or from tests:

    run_call(settings, **preset_call_kwargs("route-mobile-luohu"), hold_s=3)   # a test may override timing

The demo IVR: a language menu first (9 = English; any other key = Mandarin and that key goes on to the next
menu; none = Mandarin after the prompt + 3 s); callers of unknown county then pick a district (1 futian,
2 luohu, 3 nanshan, 4 baoan, 5 longgang, 0 city center); then the main menu (1 family, 2 repair, 3 elderly
care, 4 information, 5 complaint/suggestion, 6 ticket status, 0 agent). docs/sipp.md lists the presets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FUTIAN_LANDLINE = "075583001111"  # a futian fixed line: the county is known, no district menu


class PresetNotFound(LookupError):
    """No preset of that name."""


@dataclass(frozen=True)
class Preset:
    """A named caller: From `caller`, dialing `to` (None = the first hotline number), pressing `digits`."""

    name: str
    description: str
    caller: str
    to: str | None
    digits: str
    hold_s: float
    delay_s: float = 2.0


def _ivr(name: str, digits: str, hold_s: float, description: str) -> Preset:
    return Preset(name, description, FUTIAN_LANDLINE, None, digits, hold_s)


def _route(
    name: str, caller: str, digits: str, description: str, hold_s: float = 15, to: str | None = None
) -> Preset:
    return Preset(name, description, caller, to, digits, hold_s)


PRESETS: tuple[Preset, ...] = (
    _ivr("ivr-family-nanny", "1,1", 20, "Mandarin, 1 family, 1 nanny -> family queue"),
    _ivr("ivr-family-cleaning", "1,2", 20, "Mandarin, 1 family, 2 cleaning -> family queue"),
    _ivr("ivr-repair-appliance", "2,2", 20, "Mandarin, 2 repair, 2 appliance -> repair queue"),
    _ivr("ivr-elderly", "3", 15, "Mandarin, 3 elderly care"),
    _ivr("ivr-info", "4", 15, "Mandarin, 4 other information"),
    _ivr("ivr-complaint", "5,1", 20, "Mandarin, 5 complaint/suggestion, 1 complaint"),
    _ivr("ivr-suggestion", "5,2", 20, "Mandarin, 5 complaint/suggestion, 2 suggestion"),
    _ivr("ivr-ticket", "6,202611200001#", 20, "Mandarin, 6 ticket status, keys 202611200001 then #"),
    _ivr("ivr-agent", "0", 15, "Mandarin, 0 agent"),
    _ivr("ivr-english", "9,1,1", 20, "9 English, 1 family, 1 nanny -> family queue"),
    _ivr("ivr-invalid", "7,1,1", 25, "Mandarin, 7 invalid at the main menu (replayed), 1 family, 1 nanny"),
    _ivr("ivr-max-retries", "7,7,7", 25, "Mandarin, three invalid keys at the main menu -> agent"),
    _ivr("ivr-timeout", "", 45, "no keys: Mandarin after the language prompt + 3 s, then menu timeouts"),
    _route("route-did-futian", "02088889999", "0", "futian DID, Guangzhou caller: 0 agent", to="1010936601"),
    _route("route-fixed-nanshan", "075526001234", "0", "nanshan landline (075526): nanshan, 0 agent"),
    _route("route-fixed-longgang", "075528001234", "0", "longgang landline (075528): longgang, 0 agent"),
    _route("route-mobile-luohu", "13900131234", "0", "luohu mobile segment (1390013): luohu, 0 agent"),
    _route("route-mobile-baoan", "13600131234", "0", "baoan mobile segment (1360013): baoan, 0 agent"),
    _route("route-member", "13800138002", "0", "registered luohu member: luohu, 0 agent"),
    _route("route-unknown-ask", "13922229999", "3,0", "unknown county: district 3 nanshan, 0 agent", 20),
    _route("route-withheld", "anonymous", "2,0", "number withheld: district 2 luohu, 0 agent", hold_s=20),
)
_BY_NAME = {p.name: p for p in PRESETS}


def get_preset(name: str) -> Preset:
    """The preset called `name`; raises PresetNotFound listing the known names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise PresetNotFound(f"no SIPp preset {name!r} (known: {', '.join(_BY_NAME)})") from None


def preset_call_kwargs(name: str) -> dict[str, Any]:
    """start_call / run_call keyword arguments for preset `name` (no `to` when it dials the hotline)."""
    p = get_preset(name)
    kwargs: dict[str, Any] = {
        "caller": p.caller,
        "digits": p.digits,
        "hold_s": p.hold_s,
        "delay_s": p.delay_s,
    }
    if p.to is not None:
        kwargs["to"] = p.to
    return kwargs
