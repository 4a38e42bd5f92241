"""Is a port Asterisk needs already taken? Checked by binding it, before Asterisk starts."""

from __future__ import annotations

import errno
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from hotline.asterisk.errors import ProvisionError
from hotline.settings import Settings

logger = logging.getLogger(__name__)

_TCP_LISTEN = "0A"


@dataclass(frozen=True)
class PortUse:
    """A port Asterisk binds: protocol, number, what for, and the setting that moves it."""

    proto: str
    port: int
    purpose: str
    setting: str


def asterisk_ports(settings: Settings) -> list[PortUse]:
    return [
        PortUse("udp", settings.sip_port, "SIP", "HOTLINE_SIP_PORT"),
        PortUse("tcp", settings.http_port, "HTTP/ARI", "HOTLINE_HTTP_PORT"),
        PortUse("tcp", settings.ami_port, "AMI", "HOTLINE_AMI_PORT"),
    ]


def bind_error(host: str, proto: str, port: int) -> OSError | None:
    """Bind and release `port` on `host`; the error if that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family, kind) as sock:
        if proto == "tcp":
            # Asterisk sets it too: a port whose old connections sit in TIME_WAIT is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
    return None


def _socket_inodes(proto: str, port: int) -> set[str]:
    inodes = set()
    for table in (f"/proc/net/{proto}", f"/proc/net/{proto}6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and int(fields[1].rsplit(":", 1)[1], 16) == port
                and (proto == "udp" or fields[3] == _TCP_LISTEN)
            ):
                inodes.add(fields[9])
    return inodes


def port_owner(proto: str, port: int) -> str | None:
    """ "name (pid N)" of a process holding the port, when /proc lets us see it."""
    wanted = {f"socket:[{inode}]" for inode in _socket_inodes(proto, port)}
    if not wanted:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if wanted & _fd_links(pid):
            try:
                return f"{Path(f'/proc/{pid}/comm').read_text().strip()} (pid {pid})"
            except OSError:
                continue
    return None


def _fd_links(pid: str) -> set[str]:
    links: set[str] = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return links
    for fd in fds:
        try:
            links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile
    return links


def conflict_message(host: str, use: PortUse, error: OSError) -> str:
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: set HOTLINE_BIND_HOST to one (e.g. 127.0.0.1)"
    if error.errno != errno.EADDRINUSE:
        return f"cannot use {use.proto.upper()} port {use.port} on {host} ({use.purpose}): {error.strerror}"
    owner = port_owner(use.proto, use.port)
    by = f" by {owner}" if owner else ""
    return (
        f"{use.proto.upper()} port {use.port} on {host} ({use.purpose}) is already in use{by}: "
        f"stop that program or set {use.setting} to a free port"
    )


def conflicts(host: str, uses: list[PortUse]) -> list[str]:
    """One sentence per port Asterisk could not bind."""
    found = []
    for use in uses:
        error = bind_error(host, use.proto, use.port)
        if error is not None:
            found.append(conflict_message(host, use, error))
    return found


def check(settings: Settings) -> None:
    """Raise with the first port Asterisk could not bind."""
    found = conflicts(settings.bind_host, asterisk_ports(settings))
    if found:
        raise ProvisionError(found[0])
