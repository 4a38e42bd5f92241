"""Where Asterisk runs and the paths it sees: mode choice, its directories, host paths through the root,
sounds."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hotline.asterisk.runtime import AsteriskRuntime, decide_mode, parse_major, resolve_in_root
from hotline.settings import Settings

KEYS = {
    "astetcdir",
    "astmoddir",
    "astvarlibdir",
    "astdbdir",
    "astkeydir",
    "astdatadir",
    "astagidir",
    "astspooldir",
    "astrundir",
    "astlogdir",
    "astsbindir",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache", asterisk_mode="auto")


def fake_asterisk(bin_dir: Path, version_line: str) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "asterisk"
    script.write_text(f"#!/bin/sh\nif [ \"$1\" = -V ]; then echo '{version_line}'; fi\n")
    script.chmod(0o755)
    return script


# ---- mode ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Asterisk 22.10.1~dfsg+~cs6.15.60671435-1", 22),
        ("Asterisk 20.5.2", 20),
        ("Asterisk certified/18.9-cert7", 18),
        ("22.1.0", 22),
        ("Asterisk GIT-master-abc123", None),
    ],
)
def test_major_version_is_read_from_asterisk_v(line: str, expected: int | None) -> None:
    assert parse_major(line) == expected


@pytest.mark.parametrize(
    ("line", "mode"),
    [("Asterisk 22.1.0", "system"), ("Asterisk 23.0.0", "system"), ("Asterisk 20.5.2", "chroot")],
)
def test_auto_mode_uses_system_asterisk_only_from_22_on(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, mode: str
) -> None:
    fake = fake_asterisk(tmp_path / "bin", line)
    monkeypatch.setenv("PATH", str(fake.parent))
    runtime = AsteriskRuntime.from_settings(settings)
    assert runtime.mode == mode
    if mode == "system":
        assert runtime.binary == str(fake)


def test_auto_mode_without_system_asterisk_is_chroot(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    runtime = AsteriskRuntime.from_settings(settings)
    assert runtime.mode == "chroot"
    assert runtime.root == settings.home / "asterisk" / "root"


def test_explicit_mode_wins_over_the_system_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(fake_asterisk(tmp_path / "bin", "Asterisk 22.1.0").parent))
    chroot = Settings(home=tmp_path / "h", asterisk_mode="chroot")
    assert AsteriskRuntime.from_settings(chroot).mode == "chroot"
    assert decide_mode("system", None) == "system"
    assert decide_mode("auto", "20.1.0") == "chroot"


# ---- paths -----------------------------------------------------------------------------------


def test_chroot_directories_are_debian_standard(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    dirs = runtime.directories()
    assert set(dirs) >= KEYS
    assert dirs["astetcdir"] == "/etc/asterisk"
    assert dirs["astdatadir"] == "/usr/share/asterisk"
    assert dirs["astrundir"] == "/var/run/asterisk"
    assert dirs["astmoddir"].endswith("/asterisk/modules")
    assert runtime.etc_dir == settings.home / "asterisk" / "etc"
    assert runtime.recordings_inner == "/var/spool/asterisk/hotline-recordings"
    assert runtime.sounds_inner_dir("zh") == "/usr/share/asterisk/sounds/zh/hotline"
    assert runtime.command("-V") == ["chroot", str(runtime.root), "asterisk", "-V"]


def test_chroot_moddir_is_found_in_the_root(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    assert runtime.root is not None
    (runtime.root / "usr/lib/riscv64-linux-gnu/asterisk/modules").mkdir(parents=True)
    assert runtime.directories()["astmoddir"] == "/usr/lib/riscv64-linux-gnu/asterisk/modules"


def test_system_directories_keep_state_in_the_state_dir(settings: Settings, tmp_path: Path) -> None:
    fake = fake_asterisk(tmp_path / "sbin", "Asterisk 22.1.0")
    runtime = AsteriskRuntime(settings, "system", str(fake))
    dirs = runtime.directories()
    state = settings.home / "asterisk"
    assert set(dirs) >= KEYS
    assert dirs["astetcdir"] == str(state / "etc") == str(runtime.etc_dir)
    for key, sub in (
        ("astrundir", "run"),
        ("astlogdir", "log"),
        ("astspooldir", "spool"),
        ("astvarlibdir", "lib"),
        ("astdbdir", "lib"),
    ):
        assert dirs[key] == str(state / sub)
    assert dirs["astsbindir"] == str(fake.parent)
    assert runtime.recordings_inner == str(settings.recordings_dir)
    assert runtime.host_path("/var/lib/x") == Path("/var/lib/x")
    assert runtime.command("-rx", "core show version") == [str(fake), "-rx", "core show version"]
    assert runtime.conf_inner == str(runtime.etc_dir / "asterisk.conf")


def test_host_path_follows_symlinks_inside_the_root_only(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    root = runtime.root
    assert root is not None
    (root / "usr/share/asterisk/sounds/en_US_f_Allison").mkdir(parents=True)
    (root / "etc/alternatives").mkdir(parents=True)
    os.symlink("/usr/share/asterisk/sounds/en_US_f_Allison", root / "etc/alternatives/asterisk-prompt-en")
    os.symlink("/etc/alternatives/asterisk-prompt-en", root / "usr/share/asterisk/sounds/en")
    (root / "var").mkdir()
    os.symlink("/run", root / "var/run")
    assert (
        runtime.host_path(runtime.sounds_inner_dir("en"))
        == root / "usr/share/asterisk/sounds/en_US_f_Allison/hotline"
    )
    assert runtime.host_path("/var/run/asterisk/asterisk.ctl") == root / "run/asterisk/asterisk.ctl"
    assert resolve_in_root(root, "/../../etc/passwd") == root / "etc/passwd"


def test_host_path_maps_bind_mounted_dirs_to_their_sources(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    assert runtime.host_path("/etc/asterisk/pjsip.conf") == runtime.etc_dir / "pjsip.conf"
    assert runtime.host_path(runtime.recordings_inner + "/c1.wav") == settings.recordings_dir / "c1.wav"
    assert runtime.host_path("/etc/asterisk-other") == settings.home / "asterisk/root/etc/asterisk-other"


def test_sounds_language_must_be_a_plain_code(settings: Settings) -> None:
    with pytest.raises(ValueError):
        AsteriskRuntime(settings, "chroot").sounds_inner_dir("../etc")


def test_sync_sounds_mirrors_prompts_per_language(settings: Settings) -> None:
    runtime = AsteriskRuntime(settings, "chroot")
    src = settings.sounds_dir / "zh" / "hotline"
    src.mkdir(parents=True)
    (src / "welcome.ulaw").write_bytes(b"\xff" * 100)
    (settings.sounds_dir / "en").mkdir()  # a language without prompts is skipped
    stale = runtime.host_path(runtime.sounds_inner_dir("zh")) / "old.ulaw"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    assert runtime.sync_sounds() == 1
    target = runtime.host_path(runtime.sounds_inner_dir("zh"))
    assert (target / "welcome.ulaw").read_bytes() == b"\xff" * 100
    assert stat.S_IMODE((target / "welcome.ulaw").stat().st_mode) == 0o644
    assert not stale.exists()
    assert runtime.sync_sounds() == 0
