"""The AGI wire format: the agi_* header block, command quoting, and result lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit


class AgiError(Exception):
    """The AGI conversation cannot go on."""


class AgiConnectionLost(AgiError):
    """Asterisk closed the socket (the channel hung up and the AGI was torn down)."""


class AgiTimeout(AgiError):
    """Asterisk did not answer a command in time; the conversation is out of step."""


@dataclass(frozen=True)
class AgiResponse:
    """One command's reply: `200 result=1 (hello world)` -> code 200, result "1", data "hello world"."""

    code: int
    result: str = ""
    data: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # e.g. endpos=1234 after STREAM FILE
    text: str = ""  # the reply line(s) as received, for logs

    @property
    def ok(self) -> bool:
        """200 and not -1 (which is how most commands report a dead channel)."""
        return self.code == 200 and self.result != "-1"


_REPLY = re.compile(r"^(\d{3})[ -]?(.*)$")
_RESULT = re.compile(r"^result=(\S*)\s*(.*)$")
_EXTRA = re.compile(r"(\w+)=(\S*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Plain names, inherited names (`__VAR`) and functions (`CDR(userfield)`, `HASH(h,key)`).
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*(\([A-Za-z0-9_.,:/-]*\))?$")


def parse_reply(text: str) -> AgiResponse:
    """Decode a reply line; a `520-` usage block arrives joined with newlines."""
    first = text.split("\n", 1)[0]
    match = _REPLY.match(first)
    if match is None:
        return AgiResponse(code=0, text=text)
    code, rest = int(match.group(1)), match.group(2)
    result = _RESULT.match(rest)
    if code != 200 or result is None:
        return AgiResponse(code=code, data=rest or None, text=text)
    value, tail = result.group(1), result.group(2)
    data = None
    if tail.startswith("("):
        # Values are not escaped and may hold ")": take everything up to the last one.
        close = tail.rfind(")")
        data, tail = tail[1:close], tail[close + 1 :]
    return AgiResponse(code, value, data, dict(_EXTRA.findall(tail)), text)


def quote_arg(value: str) -> str:
    """One command argument as res_agi's parse_args reads it back: quoted, `\\` and `"` escaped.

    Control characters (CR and LF would end the command line) become spaces.
    """
    clean = _CONTROL.sub(" ", value)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_variable(name: str) -> str:
    """A variable or function name safe to put on a command line, or ValueError."""
    if not _VARIABLE.match(name):
        raise ValueError(f"not a valid channel variable name: {name!r}")
    return name


@dataclass(frozen=True)
class Script:
    """Where `AGI(agi://host:port/<name>?<query>,<arg1>,...)` points."""

    name: str
    args: dict[str, str]


def parse_script(headers: dict[str, str]) -> Script:
    """Split agi_network_script (or agi_request) into the script name and its query args."""
    raw = headers.get("agi_network_script")
    if raw is None:
        request = urlsplit(headers.get("agi_request", ""))
        raw = request.path + ("?" + request.query if request.query else "")
    parts = urlsplit(raw)
    return Script(parts.path.strip("/"), dict(parse_qsl(parts.query, keep_blank_values=True)))


def positional_args(headers: dict[str, str]) -> list[str]:
    """agi_arg_1, agi_arg_2, ... in order."""
    args = []
    n = 1
    while f"agi_arg_{n}" in headers:
        args.append(headers[f"agi_arg_{n}"])
        n += 1
    return args


def parse_header_line(line: str) -> tuple[str, str] | None:
    """`agi_channel: PJSIP/x` -> ("agi_channel", "PJSIP/x"); None for anything else."""
    key, sep, value = line.partition(":")
    if not sep or not key.startswith("agi_") or " " in key:
        return None
    return key, value[1:] if value.startswith(" ") else value
