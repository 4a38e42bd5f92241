"""Free UDP ports for SIPp instances: reserved in this process, probed against everything else.

A reservation holds a port until the SIPp instance using it has exited, so several callers and agent
phones started in quick succession never pick the same port before one of them has bound it.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from hotline.settings import Settings

DEFAULT_AGENT_PORT = 5071
DEFAULT_CALLER_PORT = 5200
DEFAULT_MEDIA_PORT = 30000
MEDIA_BLOCK = 4  # sipp -mp X binds X (audio RTP) and X+2 (video); keep X..X+3 to itself
SEARCH = 2000


class NoFreePort(RuntimeError):
    """Every port in the searched range is taken."""


@dataclass(frozen=True)
class PortBases:
    """Where the searches start; set them apart to run a test suite beside a live center."""

    agent: int = DEFAULT_AGENT_PORT
    caller: int = DEFAULT_CALLER_PORT
    media: int = DEFAULT_MEDIA_PORT

    @classmethod
    def from_settings(cls, settings: Settings) -> PortBases:
        # The sipp_* fields are optional settings; without them the defaults above apply.
        return cls(
            agent=int(getattr(settings, "sipp_agent_port", DEFAULT_AGENT_PORT)),
            caller=int(getattr(settings, "sipp_caller_port", DEFAULT_CALLER_PORT)),
            media=int(getattr(settings, "sipp_media_port", DEFAULT_MEDIA_PORT)),
        )


def udp_free(host: str, port: int) -> bool:
    """True if a UDP socket can bind host:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def udp_bound(host: str, port: int) -> bool:
    """True if some socket has bound UDP host:port (or the wildcard), read from /proc/net/udp.

    Unlike udp_free() this never binds, so it cannot steal the port from a process starting up.
    """
    try:
        table = Path("/proc/net/udp").read_text()
    except OSError:
        return not udp_free(host, port)
    wanted = {_proc_address(host, port), _proc_address("0.0.0.0", port)}
    return any(line.split()[1] in wanted for line in table.splitlines()[1:] if len(line.split()) > 1)


def _proc_address(host: str, port: int) -> str:
    # /proc/net/udp shows the address as the host-order hex of the 32-bit value, then the port in hex
    packed = socket.inet_aton(host)
    return f"{int.from_bytes(packed, sys.byteorder):08X}:{port:04X}"


@dataclass
class Reservation:
    """Ports held for one SIPp instance; release() when it has exited."""

    host: str
    ports: list[int]
    _allocator: PortAllocator = field(repr=False)
    released: bool = False

    @property
    def sip_port(self) -> int:
        return self.ports[0]

    @property
    def media_port(self) -> int:
        return self.ports[1]

    def release(self) -> None:
        self._allocator.release(self)


class PortAllocator:
    """Hands out SIP ports and media blocks nobody in this process holds and nobody else has bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[int] = set()

    def _take(self, host: str, start: int, step: int, width: int, avoid: tuple[range, ...]) -> list[int]:
        for first in range(start, min(start + SEARCH * step, 65536 - width), step):
            ports = list(range(first, first + width))
            if any(p in self._held or any(p in r for r in avoid) for p in ports):
                continue
            if all(udp_free(host, p) for p in ports):
                self._held.update(ports)
                return ports
        raise NoFreePort(f"no free UDP port on {host} from {start} ({SEARCH} tried)")

    def reserve(
        self, host: str, sip_base: int, media_base: int, avoid: tuple[range, ...] = ()
    ) -> Reservation:
        """One SIP port from `sip_base` up and one media block (even, 4 wide) from `media_base` up.

        `avoid`: ranges never handed out (Asterisk's SIP port and RTP range).
        """
        with self._lock:
            sip = self._take(host, sip_base, 1, 1, avoid)
            try:
                media = self._take(host, media_base + media_base % 2, MEDIA_BLOCK, MEDIA_BLOCK, avoid)
            except NoFreePort:
                self._held.difference_update(sip)
                raise
        return Reservation(host, sip + media, self)

    def release(self, reservation: Reservation) -> None:
        with self._lock:
            if not reservation.released:
                self._held.difference_update(reservation.ports)
                reservation.released = True


ALLOCATOR = PortAllocator()
