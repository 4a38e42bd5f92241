"""Running the `hotline` CLI in-process against a test database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from hotline.cli.main import cli
from hotline.db.session import Database


def cli_env(database: Database, tmp_path: Path) -> dict[str, str]:
    """The environment of a `hotline` command: the test database and a private state directory."""
    return {
        "HOTLINE_HOME": str(tmp_path / "home"),
        "HOTLINE_DATABASE_URL": database.url,
        "HOTLINE_CONFIG": str(tmp_path / "none.toml"),
    }


def hotline(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def hotline_input(env: dict[str, str], stdin: str, *args: str) -> Result:
    """Run `hotline` with `stdin` on its standard input."""
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)
