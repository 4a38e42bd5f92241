from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hotline.secrets import SecretStore
from hotline.settings import get_settings


def test_defaults_bind_loopback_and_keep_state_in_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("HOTLINE_HOME", "HOTLINE_DATABASE_URL", "HOTLINE_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    s = get_settings()
    assert s.home == tmp_path / "var"
    assert s.db_url == f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    assert (s.bind_host, s.sip_port, s.http_port, s.ami_port, s.agi_port, s.console_port) == (
        "127.0.0.1",
        5060,
        8088,
        5038,
        4573,
        5000,
    )


def test_environment_overrides_and_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_HOTLINE_NUMBERS", "10109366, 96333")
    monkeypatch.setenv("HOTLINE_SIP_PORT", "25060")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "postgresql://db.example/hotline")
    s = get_settings()
    assert s.hotline_numbers == ["10109366", "96333"]
    assert s.sip_port == 25060
    assert s.db_url == "postgresql://db.example/hotline"


def test_config_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "hotline.toml").write_text('ami_port = 6038\ndefault_queue = "center"\n')
    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_AMI_PORT", "7038")
    s = get_settings()
    assert s.default_queue == "center"
    assert s.ami_port == 7038


def test_secrets_are_generated_once_private_and_distinct(tmp_path: Path) -> None:
    store = SecretStore.for_home(tmp_path)
    first = store.ari_password()
    assert len(first) >= 20
    assert SecretStore.for_home(tmp_path).ari_password() == first
    assert store.ami_secret() != first
    assert store.sip_password("agent8001") != store.sip_password("agent8002")
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
