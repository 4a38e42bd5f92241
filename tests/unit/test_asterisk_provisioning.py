"""Provisioning and running Asterisk on this host: port conflicts, mounts under the root, its processes,
the root tarball, and the CLI's clear refusals."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.asterisk import lifecycle, mounts, ports, process, provision
from hotline.asterisk.errors import ProvisionError
from hotline.asterisk.runtime import AsteriskRuntime
from hotline.cli.main import cli
from hotline.settings import Settings


def until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache", asterisk_mode="auto")


# ---- ports -----------------------------------------------------------------------------------


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_held_sip_port_is_reported_with_its_setting(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        s = Settings(
            home=tmp_path,
            sip_port=port,
            http_port=free_port(socket.SOCK_STREAM),
            ami_port=free_port(socket.SOCK_STREAM),
        )
        with pytest.raises(ProvisionError) as info:
            ports.check(s)
    message = str(info.value)
    assert f"UDP port {port} on 127.0.0.1 (SIP)" in message
    assert "HOTLINE_SIP_PORT" in message
    assert f"pid {os.getpid()}" in message


def test_listening_tcp_port_conflicts_but_free_ports_do_not(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        uses = [
            ports.PortUse("tcp", port, "AMI", "HOTLINE_AMI_PORT"),
            ports.PortUse("udp", free_port(socket.SOCK_DGRAM), "SIP", "HOTLINE_SIP_PORT"),
        ]
        found = ports.conflicts("127.0.0.1", uses)
    assert len(found) == 1 and "HOTLINE_AMI_PORT" in found[0]
    assert ports.conflicts("127.0.0.1", uses) == []


def test_foreign_bind_host_is_one_clear_sentence() -> None:
    found = ports.conflicts("192.0.2.99", [ports.PortUse("udp", 5060, "SIP", "HOTLINE_SIP_PORT")])
    assert found == [
        "192.0.2.99 is not an address of this machine: set HOTLINE_BIND_HOST to one (e.g. 127.0.0.1)"
    ]


# ---- mounts ----------------------------------------------------------------------------------

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,mode=755
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
42 27 0:39 / /srv/st\\040ate/asterisk/root/proc rw,relatime - proc proc rw
43 27 0:6 / /srv/st\\040ate/asterisk/root/dev rw,relatime - devtmpfs devtmpfs rw
44 27 254:0 /srv/st\\040ate/asterisk/etc /srv/st\\040ate/asterisk/root/etc/asterisk rw - ext4 /dev/vda rw
45 27 254:0 /x /srv/st\\040ate/asterisk/root/var/spool/asterisk/hotline-recordings rw - ext4 /dev/vda rw
46 27 0:40 / /srv/st\\040ate/asterisk/root2/proc rw,relatime - proc proc rw
47 42 0:41 / /srv/st\\040ate/asterisk/root/proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw
"""


def test_mountinfo_is_parsed_with_escapes() -> None:
    parsed = mounts.parse_mountinfo(MOUNTINFO)
    assert len(parsed) == 9
    assert parsed[3].mountpoint == "/srv/st ate/asterisk/root/proc"
    assert parsed[3].fstype == "proc"


def test_only_mounts_inside_the_root_are_unmounted_deepest_first() -> None:
    found = mounts.mounts_below(Path("/srv/st ate/asterisk/root"), mounts.parse_mountinfo(MOUNTINFO))
    points = [m.mountpoint.removeprefix("/srv/st ate/asterisk/root") for m in found]
    assert points == [
        "/proc/sys/fs/binfmt_misc",
        "/var/spool/asterisk/hotline-recordings",
        "/etc/asterisk",
        "/dev",
        "/proc",
    ]


def test_mounting_outside_the_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProvisionError, match="outside the Asterisk root"):
        mounts.mount(tmp_path / "root", tmp_path / "root/../escape", "/dev")
    assert not mounts.is_below("/proc", "/")  # an empty root never matches
    assert not mounts.is_below("/a/root", "/a/root")


# ---- processes and provisioning --------------------------------------------------------------


def test_an_exited_child_is_not_alive() -> None:
    child = subprocess.Popen(["sleep", "30"])
    assert process.alive(child.pid)
    child.terminate()
    assert until(lambda: not process.alive(child.pid))
    assert child.wait(timeout=5) is not None


def test_pidfile_with_garbage_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / "asterisk.pid").write_text("not a pid\n")
    assert process.read_pidfile(tmp_path / "asterisk.pid") is None
    assert process.read_pidfile(tmp_path / "missing.pid") is None


def test_uptime_is_taken_from_core_show_uptime() -> None:
    out = "System uptime: 1 minute, 4 seconds\nLast reload: 1 minute, 4 seconds\n"
    assert lifecycle._uptime(out) == "1 minute, 4 seconds"


def test_mmdebstrap_builds_sid_with_asterisk_and_the_recording_dir() -> None:
    argv = provision.mmdebstrap_argv(Path("/c/x.tar.tmp"), "http://mirror.example/debian")
    assert argv[0] == "mmdebstrap" and "--format=tar" in argv
    assert argv[-3:] == ["sid", "/c/x.tar.tmp", "http://mirror.example/debian"]
    include = next(a for a in argv if a.startswith("--include="))
    assert {"asterisk", "asterisk-modules", "asterisk-moh-opsound-gsm"} <= set(include[10:].split(","))
    assert any("/var/spool/asterisk/recording" in a for a in argv if a.startswith("--customize-hook="))


def test_unreachable_mirror_names_the_url_and_the_setting() -> None:
    url = f"http://127.0.0.1:{free_port(socket.SOCK_STREAM)}/debian"
    with pytest.raises(ProvisionError) as info:
        provision.check_mirror(url, timeout=2)
    assert url in str(info.value) and "HOTLINE_DEBIAN_MIRROR" in str(info.value)


def test_passwd_of_the_root_gives_asterisk_ids(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    assert runtime.root is not None
    (runtime.root / "etc").mkdir(parents=True)
    (runtime.root / "etc/passwd").write_text(
        "root:x:0:0::/root:/bin/sh\nasterisk:x:101:102:Asterisk:/var/lib/asterisk:/usr/sbin/nologin\n"
    )
    assert provision.asterisk_ids(runtime) == (101, 102)


def test_a_half_extracted_root_is_not_ready(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    assert runtime.root is not None
    (runtime.root / "usr/sbin").mkdir(parents=True)
    (runtime.root / "usr/sbin/asterisk").write_text("")
    assert not provision.root_ready(runtime)
    (runtime.state_dir / provision.READY_MARKER).write_text("done\n")
    assert provision.root_ready(runtime)


# ---- CLI -------------------------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {
        "HOTLINE_HOME": str(tmp_path / "home"),
        "HOTLINE_ASTERISK_MODE": "chroot",
        "HOTLINE_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(cli, ["asterisk", *args], env=env)
    return result.exit_code, result.output


@pytest.mark.skipif(os.geteuid() != 0, reason="the chroot-mode CLI needs root")
def test_cli_command_without_an_installed_asterisk_exits_2(tmp_path: Path) -> None:
    code, output = run_cli(tmp_path, "cli", "core show version")
    assert code == 2
    assert "hotline asterisk install" in output


def test_status_of_an_uninstalled_asterisk_says_not_running(tmp_path: Path) -> None:
    code, output = run_cli(tmp_path, "status")
    assert code == 0
    assert "not running" in output and "not installed" in output


def test_stop_when_nothing_runs_is_fine(tmp_path: Path) -> None:
    code, output = run_cli(tmp_path, "stop")
    assert code == 0
    assert "was not running" in output


def test_install_without_root_says_to_run_as_root(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ProvisionError) as info:
        AsteriskRuntime(settings, "chroot").install()
    assert str(info.value) == "run as root: building and entering the Asterisk root needs mount and chroot"


def test_build_without_mmdebstrap_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProvisionError) as info:
        provision.build_tarball(tmp_path / "cache" / "x.tar", "http://127.0.0.1:9/debian", lambda line: None)
    assert str(info.value) == "install mmdebstrap: apt-get install mmdebstrap"
    assert not (tmp_path / "cache" / "x.tar").exists()


def test_a_state_dir_behind_a_closed_directory_is_unreachable_for_asterisk() -> None:
    base = Path(tempfile.mkdtemp(prefix="hl-astrt-unit-", dir="/tmp"))  # pytest's tmp_path is 0700
    try:
        closed = base / "closed"
        (closed / "home" / "asterisk").mkdir(parents=True)
        base.chmod(0o755)
        closed.chmod(0o700)
        with pytest.raises(ProvisionError, match=f"chmod o\\+x {closed}`$"):
            provision.check_reachable(closed / "home" / "asterisk", 65534, 65534)
        closed.chmod(0o711)
        provision.check_reachable(closed / "home" / "asterisk", 65534, 65534)
    finally:
        shutil.rmtree(base)
