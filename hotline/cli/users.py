"""`hotline user add|passwd|list|disable|enable` and `hotline token create|list|revoke`: console logins."""

from __future__ import annotations

import os
import pwd
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hotline import users
from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.console_models import ROLES
from hotline.db.session import Database
from hotline.settings import Settings


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """A transaction on the center's database; a refused change or a database failure is one line."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            yield session
    except users.AccountError as exc:
        raise UserError(str(exc)) from None
    except DBAPIError as exc:
        raise UserError(f"database: {exc.orig}; is it migrated (`hotline db upgrade`)?") from None
    finally:
        database.dispose()


def _cli_detail() -> dict[str, object]:
    """Who ran the command, for the audit log: the effective OS user (not $USER, which anyone sets)."""
    try:
        who = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        who = str(os.geteuid())
    return {"via": "cli", "os_user": who}


def _read_password(username: str) -> str:
    """One line of stdin, checked before anything is written."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("--password-stdin: no password on standard input")
    try:
        users.check_strength(password, username)
    except users.WeakPassword as exc:
        raise UserError(str(exc)) from None
    return password


def _show_generated(username: str, password: str) -> None:
    click.echo(f"password of {username} (shown once, keep it safe): {password}")


@click.group()
def user() -> None:
    """Console users: their roles, passwords and state."""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role of the user (repeat for several).")  # fmt: skip
@click.option("--name", "display_name", help="Display name (default: the agent's name, or USERNAME).")
@click.option("--agent", help="Link to this agent (工号): the desk then drives the agent's phone.")
@click.option("--county", help="County code the user works for (default: the agent's county).")
@click.option("--language", type=click.Choice(users.LANGUAGES), default="zh", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_settings
def add(
    settings: Settings,
    username: str,
    roles: tuple[str, ...],
    display_name: str | None,
    agent: str | None,
    county: str | None,
    language: str,
    password_stdin: bool,
) -> None:
    """Create user USERNAME; without --password-stdin a strong password is generated and printed once."""
    name = users.normalize_username(username)
    password = _read_password(name) if password_stdin else users.generate_password()
    with _session(settings) as session:
        created = users.create_user(session, username, roles, password, display_name=display_name,
                                    agent=agent, county=county, language=language)  # fmt: skip
        users.audit(session, None, "user.add", "user", created.username,
                    detail={**_cli_detail(), "roles": sorted(roles)})  # fmt: skip
        row = users.user_row(created)
    linked = f", agent {row['agent']}" if row["agent"] else ""
    click.echo(f"user {row['username']} ({row['display_name']}) created: {', '.join(row['roles'])}{linked}")
    if not password_stdin:
        _show_generated(row["username"], password)


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@pass_settings
def passwd(settings: Settings, username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password (generated and printed once unless --password-stdin); its console
    sessions end."""
    name = users.normalize_username(username)
    password = _read_password(name) if password_stdin else users.generate_password()
    with _session(settings) as session:
        found = users.find_user(session, name)
        users.set_password(session, found, password)
        users.audit(session, None, "user.passwd", "user", found.username, detail=_cli_detail())
    click.echo(f"user {name}: password changed")
    if not password_stdin:
        _show_generated(name, password)


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """Every user with its roles, agent, county and state."""
    with _session(settings) as session:
        rows = [users.user_row(u) for u in users.list_users(session)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        state = "active" if r["active"] else "disabled"
        click.echo(
            f"{r['username']:<16} {r['display_name']:<12} {','.join(r['roles']):<28} "
            f"agent={r['agent'] or '-':<6} county={r['county'] or '-':<9} {r['language']} {state}"
        )


def _set_active(settings: Settings, username: str, active: bool) -> None:
    with _session(settings) as session:
        found = users.find_user(session, username)
        users.set_active(session, found, active)
        action = "user.enable" if active else "user.disable"
        users.audit(session, None, action, "user", found.username, detail=_cli_detail())
        name = found.username
    click.echo(f"user {name}: {'enabled' if active else 'disabled (its logins and API tokens refused)'}")


@user.command("disable")
@click.argument("username")
@pass_settings
def disable(settings: Settings, username: str) -> None:
    """Disable USERNAME: no login, no API token; kept for the history it appears in."""
    _set_active(settings, username, False)


@user.command("enable")
@click.argument("username")
@pass_settings
def enable(settings: Settings, username: str) -> None:
    """Enable USERNAME again."""
    _set_active(settings, username, True)


@click.group()
def token() -> None:
    """Bearer tokens of the console's JSON API."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@pass_settings
def create(settings: Settings, username: str, name: str) -> None:
    """Create an API token of USERNAME and print it once (only its sha256 is stored)."""
    with _session(settings) as session:
        owner = users.find_user(session, username)
        if not owner.active:
            raise users.AccountError(f"user {owner.username} is disabled; `hotline user enable` it first")
        row, secret = users.create_token(session, owner, name)
        users.audit(session, None, "token.create", "api_token", row.id,
                    detail={**_cli_detail(), "user": owner.username, "name": row.name})  # fmt: skip
        token_id, owner_name = row.id, owner.username
    click.echo(f"token {token_id} ({name}) of {owner_name}; shown once, keep it safe:", err=True)
    click.echo(secret)


@token.command("list")
@click.argument("username", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def list_tokens(settings: Settings, username: str | None, as_json: bool) -> None:
    """API tokens (of USERNAME, or all) without their secret."""
    with _session(settings) as session:
        rows = [users.token_row(t) for t in users.list_tokens(session, username)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        used = f"last used {r['last_used_at'] or 'never'}"
        state = f"revoked {r['revoked_at']}" if r["revoked_at"] else used
        click.echo(f"{r['id']:>4}  {r['user']:<16} {r['name']:<16} created {r['created_at']}  {state}")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@pass_settings
def revoke(settings: Settings, token_id: int) -> None:
    """Revoke API token ID: it is refused from now on."""
    with _session(settings) as session:
        row = users.revoke_token(session, token_id)
        users.audit(session, None, "token.revoke", "api_token", row.id,
                    detail={**_cli_detail(), "user": row.user.username})  # fmt: skip
        owner = row.user.username
    click.echo(f"token {token_id} of {owner}: revoked")
