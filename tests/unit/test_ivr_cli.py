"""`hotline ivr validate|load|show` against a temporary database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.cli.main import COMMANDS
from hotline.db.session import Database
from hotline.ivr.store import DEMO_PATH
from tests.unit.clitools import cli_env, hotline


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return cli_env(database, tmp_path)


def test_ivr_is_a_registered_group() -> None:
    assert COMMANDS["ivr"] == "hotline.cli.ivr:ivr"


def test_validate_reports_the_demo_flow(env: dict[str, str]) -> None:
    result = hotline(env, "ivr", "validate", str(DEMO_PATH))
    assert result.exit_code == 0, result.output
    assert result.output == "ok: main, 28 nodes, menu depth 3\n"


def test_validate_names_the_problem_with_exit_status_2(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO_PATH.read_text(encoding="utf-8").replace('"1": nanny,', '"1": nany,'))
    result = hotline(env, "ivr", "validate", str(bad))
    assert result.exit_code == 2
    assert "Error: bad.yaml: node 'family': option '1' goes to unknown node 'nany'" in result.output


def test_validate_refuses_a_prompt_without_text(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "main.yaml"
    bad.write_text(
        DEMO_PATH.read_text(encoding="utf-8").replace("prompt: family_menu", "prompt: family_menu2")
    )
    result = hotline(env, "ivr", "validate", str(bad))
    assert result.exit_code == 2
    assert "main.yaml: node 'family': prompt 'family_menu2' has no zh text" in result.output


def test_load_stores_a_version_once(env: dict[str, str]) -> None:
    first = hotline(env, "ivr", "load", str(DEMO_PATH))
    second = hotline(env, "ivr", "load", str(DEMO_PATH))
    assert (first.exit_code, first.output) == (0, "loaded main version 1\n")
    assert (second.exit_code, second.output) == (0, "unchanged: main version 1\n")


def test_load_of_an_invalid_file_stores_nothing(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "main.yaml"
    bad.write_text("name: main\nstart: x\nnodes: {}\n")
    assert hotline(env, "ivr", "load", str(bad)).exit_code == 2
    assert hotline(env, "ivr", "show").output == "no flow is loaded; load one with `hotline ivr load FILE`\n"


def test_show_lists_versions_and_the_node_map(env: dict[str, str], tmp_path: Path) -> None:
    hotline(env, "ivr", "load", str(DEMO_PATH))
    changed = tmp_path / "main.yaml"
    changed.write_text(DEMO_PATH.read_text(encoding="utf-8").replace("timeout: 3", "timeout: 4"))
    assert hotline(env, "ivr", "load", str(changed)).output == "loaded main version 2\n"

    listing = hotline(env, "ivr", "show")
    text = hotline(env, "ivr", "show", "main")
    data = json.loads(hotline(env, "ivr", "show", "main", "--json", "--version", "1").output)

    assert listing.output == "main  version 2\n"
    assert text.output.startswith("main version 2 (menu depth 3)\n  version 1  loaded ")
    assert "family         menu           [family_menu]  1 -> nanny  2 -> cleaning" in text.output
    assert "nanny          set            category=family.nanny  skill=family  next -> queue" in text.output
    assert (data["version"], [v["version"] for v in data["versions"]]) == (1, [1, 2])
    main = next(n for n in data["nodes"] if n["id"] == "main")
    assert main["links"]["option '6'"] == "ticket" and main["links"]["on_fail"] == "agent"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no flow 'nope' is loaded"),
        (["main", "--version", "7"], "flow 'main' has no version 7 (it has 1 to 1)"),
    ],
)
def test_show_of_something_not_loaded_is_one_sentence(
    env: dict[str, str], args: list[str], message: str
) -> None:
    hotline(env, "ivr", "load", str(DEMO_PATH))
    result = hotline(env, "ivr", "show", *args)
    assert result.exit_code == 2 and message in result.output
