"""A tiny SIP peer standing in for Asterisk in wire tests: answers, rejects or hangs up INVITEs, takes
digest-authenticated REGISTERs, records INFO bodies and RTP, and calls a registered phone."""

from __future__ import annotations

import contextlib
import hashlib
import queue
import secrets
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hotline.sipp.dtmf import RtpPacket

REALM = "hotline"
Addr = tuple[str, int]


def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    stop = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        stop.wait(0.02)


@dataclass
class SipMessage:
    first: str
    headers: list[tuple[str, str]]
    body: str
    source: Addr

    @classmethod
    def parse(cls, data: bytes, source: Addr) -> SipMessage:
        head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]) if k]
        return cls(lines[0], headers, body, source)

    def get(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def is_request(self) -> bool:
        return not self.first.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        return self.first.split()[0] if self.is_request else self.get("CSeq").split()[-1]

    @property
    def status(self) -> int:
        return 0 if self.is_request else int(self.first.split()[1])

    @property
    def call_id(self) -> str:
        return self.get("Call-ID")


def uri_user(header: str) -> str:
    return header.split("sip:", 1)[1].split("@", 1)[0] if "sip:" in header else ""


def uri_hostport(header: str) -> Addr:
    rest = header.split("@", 1)[1] if "@" in header else header.split("sip:", 1)[1]
    hostport = rest.split(">", 1)[0].split(";", 1)[0]
    host, _, port = hostport.partition(":")
    return host, int(port or 5060)


def build(first: str, headers: list[tuple[str, str]], body: str = "") -> bytes:
    lines = [first] + [f"{k}: {v}" for k, v in headers] + [f"Content-Length: {len(body.encode())}", "", ""]
    return ("\r\n".join(lines) + body).encode()


def parse_rtp(data: bytes) -> RtpPacket | None:
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    return RtpPacket(
        0,
        data[1] & 0x7F,
        bool(data[1] & 0x80),
        int.from_bytes(data[2:4], "big"),
        int.from_bytes(data[4:8], "big"),
        int.from_bytes(data[8:12], "big"),
        data[12:],
    )


def dtmf_digits(packets: list[RtpPacket]) -> str:
    """The digits of the RFC 4733 events in `packets`, one per event (timestamp), as a receiver sees them."""
    codes = "0123456789*#ABCD"
    seen: dict[int, int] = {}
    for p in packets:
        ev = p.event()
        if ev is not None and ev[1]:
            seen.setdefault(p.timestamp, ev[0])
    return "".join(codes[code] for _, code in sorted(seen.items()))


def sdp(host: str, port: int) -> str:
    return (
        f"v=0\r\no=fake 1 1 IN IP4 {host}\r\ns=fake\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    )


@dataclass
class Dialog:
    invite: SipMessage
    local_tag: str
    acked: bool = False


@dataclass
class FakePbx:
    """Rules by dialed number: "answer" (default), "reject <code>", "hangup <ms>" (answer, BYE later)."""

    host: str = "127.0.0.1"
    passwords: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind((self.host, 0))
        self.port = self.sip.getsockname()[1]
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind((self.host, 0))
        self.media_port = self.media.getsockname()[1]
        self.invites: list[SipMessage] = []
        self.infos: list[str] = []
        self.byes: list[str] = []
        self.registrations: list[tuple[str, str, int]] = []
        self.auth_failures = 0
        self.outbound: list[str] = []
        self.rtp: list[RtpPacket] = []
        self.dialogs: dict[str, Dialog] = {}
        self._responses: dict[str, queue.Queue[SipMessage]] = {}
        self._timers: list[tuple[float, Callable[[], None]]] = []
        self._nonce = secrets.token_hex(8)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> FakePbx:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sip.close()
        self.media.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sip, self.media], [], [], 0.02)
            for sock in ready:
                data, source = sock.recvfrom(65535)
                if sock is self.media:
                    packet = parse_rtp(data)
                    if packet:
                        self.rtp.append(packet)
                else:
                    self._on_message(SipMessage.parse(data, source))
            now = time.monotonic()
            due = [fn for at, fn in self._timers if at <= now]
            self._timers = [(at, fn) for at, fn in self._timers if at > now]
            for fn in due:
                fn()

    def send(self, data: bytes, dest: Addr) -> None:
        self.sip.sendto(data, dest)

    def _reply(
        self,
        req: SipMessage,
        status: str,
        extra: tuple[tuple[str, str], ...] = (),
        body: str = "",
        tag: str = "",
    ) -> None:
        to = req.get("To") + (f";tag={tag}" if tag and ";tag=" not in req.get("To") else "")
        headers = [("Via", v) for v in req.all("Via")]
        headers += [("From", req.get("From")), ("To", to), ("Call-ID", req.call_id)]
        headers.append(("CSeq", req.get("CSeq")))
        self.send(build(f"SIP/2.0 {status}", headers + list(extra), body), req.source)

    def _on_message(self, msg: SipMessage) -> None:
        if not msg.is_request:
            self._responses.setdefault(msg.call_id, queue.Queue()).put(msg)
            return
        handler = getattr(self, f"_on_{msg.method.lower()}", None)
        if handler is None:
            self._reply(msg, "405 Method Not Allowed")
        else:
            handler(msg)

    def _on_invite(self, req: SipMessage) -> None:
        dialog = self.dialogs.get(req.call_id)
        if dialog is None:
            self.invites.append(req)
            dialog = self.dialogs[req.call_id] = Dialog(req, secrets.token_hex(4))
        rule = self.rules.get(uri_user(req.first), "answer").split()
        if rule[0] == "reject":
            self._reply(req, f"{rule[1]} Rejected", tag=dialog.local_tag)
            return
        self._reply(req, "100 Trying")
        contact = (("Contact", f"<sip:fake@{self.host}:{self.port}>"), ("Content-Type", "application/sdp"))
        self._reply(req, "200 OK", contact, sdp(self.host, self.media_port), tag=dialog.local_tag)
        if rule[0] == "hangup" and not dialog.acked:
            self._timers.append((time.monotonic() + int(rule[1]) / 1000, lambda: self._send_bye(dialog)))

    def _send_bye(self, dialog: Dialog) -> None:
        inv = dialog.invite
        headers = [
            ("Via", f"SIP/2.0/UDP {self.host}:{self.port};branch=z9hG4bK{secrets.token_hex(6)}"),
            ("From", f"{inv.get('To')};tag={dialog.local_tag}"),
            ("To", inv.get("From")),
            ("Call-ID", inv.call_id),
            ("CSeq", "1 BYE"),
            ("Max-Forwards", "70"),
        ]
        self.send(
            build(f"BYE sip:{uri_user(inv.get('Contact'))}@{inv.source[0]}:{inv.source[1]} SIP/2.0", headers),
            inv.source,
        )

    def _on_ack(self, req: SipMessage) -> None:
        if req.call_id in self.dialogs:
            self.dialogs[req.call_id].acked = True

    def _on_info(self, req: SipMessage) -> None:
        self.infos.append(req.body)
        self._reply(req, "200 OK")

    def _on_bye(self, req: SipMessage) -> None:
        self.byes.append(req.call_id)
        self._reply(req, "200 OK")

    def _on_options(self, req: SipMessage) -> None:
        self._reply(req, "200 OK")

    def _on_register(self, req: SipMessage) -> None:
        user = uri_user(req.get("To"))
        auth = req.get("Authorization")
        if not auth:
            challenge = f'Digest realm="{REALM}", nonce="{self._nonce}", algorithm=MD5'
            self._reply(req, "401 Unauthorized", (("WWW-Authenticate", challenge),), tag="reg")
            return
        params = dict(p.strip().split("=", 1) for p in auth.removeprefix("Digest ").split(","))
        params = {k: v.strip('"') for k, v in params.items()}

        def md5(s: str) -> str:
            return hashlib.md5(s.encode()).hexdigest()

        ha1 = md5(f"{user}:{REALM}:{self.passwords.get(user, '')}")
        expected = md5(f"{ha1}:{params.get('nonce')}:{md5('REGISTER:' + params.get('uri', ''))}")
        if user not in self.passwords or params.get("response") != expected:
            self.auth_failures += 1
            self._reply(req, "403 Forbidden", tag="reg")
            return
        expires = int(req.get("Expires") or 3600)
        self.registrations.append((user, req.get("Contact"), expires))
        self._reply(req, "200 OK", (("Contact", f"{req.get('Contact')};expires={expires}"),), tag="reg")

    def contact_of(self, user: str) -> Addr:
        """Where the last REGISTER of `user` (with a non-zero Expires) said to send its calls."""
        contact = [c for u, c, exp in self.registrations if u == user and exp > 0][-1]
        return uri_hostport(contact)

    def _await(self, call_id: str, method: str, statuses: set[int], timeout: float = 5.0) -> SipMessage:
        box = self._responses.setdefault(call_id, queue.Queue())
        deadline = time.monotonic() + timeout
        while True:
            msg = box.get(timeout=max(deadline - time.monotonic(), 0.01))
            if msg.method == method and msg.status in statuses:
                return msg

    def call_phone(
        self, dest: Addr, user: str, *, rtp_packets: int = 25, cancel: bool = False, hangup: bool = True
    ) -> int:
        """Call a phone as Asterisk calls an agent: INVITE, ACK, RTP, BYE (or CANCEL while it rings).

        Returns how many of our RTP packets came back (the phone's RTP echo). With hangup=False the
        call stays up (its Call-ID is the last of `self.outbound`).
        """
        call_id, tag = f"{secrets.token_hex(8)}@fake", secrets.token_hex(4)
        self.outbound.append(call_id)
        branch = f"z9hG4bK{secrets.token_hex(6)}"
        ours = [("From", f"<sip:fake@{self.host}:{self.port}>;tag={tag}"), ("Call-ID", call_id)]
        uri = f"sip:{user}@{dest[0]}:{dest[1]}"

        def via(b: str) -> tuple[str, str]:
            return ("Via", f"SIP/2.0/UDP {self.host}:{self.port};branch={b}")

        invite = [
            via(branch),
            *ours,
            ("To", f"<{uri}>"),
            ("CSeq", "1 INVITE"),
            ("Contact", f"<sip:fake@{self.host}:{self.port}>"),
            ("Content-Type", "application/sdp"),
        ]
        self.send(build(f"INVITE {uri} SIP/2.0", invite, sdp(self.host, self.media_port)), dest)
        if cancel:
            self._await(call_id, "INVITE", {180})
            self.send(
                build(
                    f"CANCEL {uri} SIP/2.0", [via(branch), *ours, ("To", f"<{uri}>"), ("CSeq", "1 CANCEL")]
                ),
                dest,
            )
            final = self._await(call_id, "INVITE", {487})
            self.send(
                build(f"ACK {uri} SIP/2.0", [via(branch), *ours, ("To", final.get("To")), ("CSeq", "1 ACK")]),
                dest,
            )
            return 0
        ok = self._await(call_id, "INVITE", {200})
        to = ok.get("To")
        self.send(
            build(
                f"ACK {uri} SIP/2.0",
                [via(f"z9hG4bK{secrets.token_hex(6)}"), *ours, ("To", to), ("CSeq", "1 ACK")],
            ),
            dest,
        )
        lines = ok.body.split("\r\n")
        media_host = next(line[9:] for line in lines if line.startswith("c=IN IP4 "))
        media_port = int(next(line for line in lines if line.startswith("m=audio")).split()[1])
        ssrc = secrets.randbits(32)
        for i in range(rtp_packets):
            header = bytes([0x80, 8]) + i.to_bytes(2, "big") + (i * 160).to_bytes(4, "big")
            self.media.sendto(header + ssrc.to_bytes(4, "big") + b"\xd5" * 160, (media_host, media_port))
        with contextlib.suppress(AssertionError):  # the test asserts on the count
            wait_until(lambda: sum(p.ssrc == ssrc for p in self.rtp) >= rtp_packets, 3.0, "RTP echo")
        echoed = sum(p.ssrc == ssrc for p in self.rtp)
        if not hangup:
            return echoed
        self.send(
            build(
                f"BYE {uri} SIP/2.0",
                [via(f"z9hG4bK{secrets.token_hex(6)}"), *ours, ("To", to), ("CSeq", "2 BYE")],
            ),
            dest,
        )
        self._await(call_id, "BYE", {200})
        return echoed
