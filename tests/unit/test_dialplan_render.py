"""Golden-file tests of the rendered Asterisk configuration (HOTLINE_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import jinja2
import pytest

from dialplan.generators import GENERATORS, MODULES, AgentAccount, ConfigInput, QueueConf
from dialplan.render import render_files, write_files

GOLDEN = Path(__file__).parent / "golden" / "asterisk"


def sample_input(**changes: object) -> ConfigInput:
    data = {
        "bind_host": "127.0.0.1",
        "sip_port": 5060,
        "http_port": 8088,
        "ami_port": 5038,
        "agi_port": 4573,
        "rtp_start": 10000,
        "rtp_end": 20000,
        "hotline_numbers": ["10109366", "12349"],
        "carrier_addresses": ["127.0.0.2"],
        "default_queue": "city",
        "ari_app": "hotline",
        "language": "zh",
        "recording_format": "wav",
        "recordings_inner": "/var/spool/asterisk/hotline-recordings",
        "directories": {"astetcdir": "/etc/asterisk", "astmoddir": "/usr/lib/asterisk/modules"},
        "ari_password": "ari-test-secret",
        "ami_secret": "ami-test-secret",
        "agents": [
            AgentAccount("8001", "张敏", "agent8001", "pw-8001"),
            AgentAccount("8002", "李强", "agent8002", "pw-8002"),
        ],
        "queues": [QueueConf("city", "rrmemory", 15, 0), QueueConf("futian", "ringall", 20, 5)],
    }
    data.update(changes)
    return ConfigInput(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_rendered_file_matches_golden(name: str) -> None:
    text = render_files(sample_input())[name]
    golden = GOLDEN / name
    if os.environ.get("HOTLINE_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


def test_modules_conf_loads_only_the_explicit_list() -> None:
    text = render_files(sample_input())["modules.conf"]
    assert "autoload = no" in text
    loaded = re.findall(r"^load = (\S+)$", text, re.M)
    assert loaded == [m for group in MODULES.values() for m in group]
    assert "chan_console.so" not in loaded


def test_every_hotline_number_enters_the_center_and_others_are_refused() -> None:
    text = render_files(sample_input(hotline_numbers=["10109366", "96333"]))["extensions.conf"]
    assert "exten => 10109366,1,Set(__HOTLINE_DIALED=10109366)" in text
    assert "exten => 96333,1,Set(__HOTLINE_DIALED=96333)" in text
    assert re.search(r"exten => _X\.,1,Log\(NOTICE.*\n same => n,Hangup\(1\)", text)


def test_services_bind_to_loopback_with_generated_secrets() -> None:
    files = render_files(sample_input(bind_host="127.0.0.1"))
    assert "bindaddr = 127.0.0.1" in files["http.conf"]
    assert "bindaddr = 127.0.0.1" in files["manager.conf"]
    assert "password = ari-test-secret" in files["ari.conf"]
    assert "secret = ami-test-secret" in files["manager.conf"]


def test_carrier_is_identified_by_its_address_and_agents_by_digest_auth() -> None:
    pjsip = render_files(sample_input(carrier_addresses=["127.0.0.2", "10.1.2.0/24"]))["pjsip.conf"]
    assert "match = 127.0.0.2\nmatch = 10.1.2.0/24" in pjsip
    assert "match = 127.0.0.1" not in pjsip
    assert "endpoint_identifier_order = username,ip" in pjsip
    assert "[agent8002]\ntype = auth\nauth_type = digest\nusername = agent8002\npassword = pw-8002" in pjsip


def test_default_queue_exists_even_without_a_queue_row() -> None:
    queues = render_files(sample_input(queues=[], default_queue="center"))["queues.conf"]
    assert "[center]" in queues


def test_missing_template_variable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "rtp.conf.jinja").write_text("rtpstart = {{ c.no_such_setting }}\n")
    with pytest.raises(jinja2.UndefinedError):
        render_files(sample_input(), override=tmp_path)


def test_site_override_wins_and_stale_files_are_removed(tmp_path: Path) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    (override / "features.conf.jinja").write_text("; site features\n[general]\n")
    files = render_files(sample_input(), override=override)
    assert files["features.conf"] == "; site features\n[general]\n"
    target = tmp_path / "etc"
    target.mkdir()
    (target / "users.conf").write_text("old")
    write_files(files, target)
    assert not (target / "users.conf").exists()
    assert (target / "pjsip.conf").stat().st_mode & 0o777 == 0o640
