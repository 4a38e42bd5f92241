"""The demo city's console users, one or more per role; their generated passwords are kept in
<home>/demo-logins.txt (mode 0600) so seeding again keeps them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import users
from hotline.db.console_models import User
from hotline.db.models import Agent
from hotline.services.seed import AGENTS

DEMO_LOGINS = "demo-logins.txt"
HEADER = "# hotline demo console logins, written by `hotline db seed --demo`; keep this file private.\n"

# (username, display name, roles, county); the intake users are the demo agents (below)
STAFF = [
    ("admin", "系统管理员", ("admin",), None),
    ("dispatcher", "派单员 孙丽", ("dispatcher",), None),
    ("visitor", "回访员 周平", ("visitor",), None),
    ("supervisor", "值班主管 吴刚", ("supervisor",), None),
    ("areamanager", "福田片区经理 郑红", ("area_manager",), "futian"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    roles: tuple[str, ...]
    display_name: str


def demo_logins_path(home: Path) -> Path:
    return home / DEMO_LOGINS


def read_demo_logins(path: Path) -> dict[str, str]:
    """username -> password of the logins file (empty when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 2:
            continue
        found[fields[0]] = fields[1]
    return found


def _write(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "# username\tpassword\troles\tname\n")
        for login in logins:
            fh.write(f"{login.username}\t{login.password}\t{','.join(login.roles)}\t{login.display_name}\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# (username, display name, roles, agent, county)
Wanted = tuple[str, str, tuple[str, ...], str | None, str | None]


def _wanted(session: Session) -> list[Wanted]:
    """Every demo user; an agent already linked to another user gets no demo user."""
    staff: list[Wanted] = [(name, display, roles, None, county) for name, display, roles, county in STAFF]
    taken = select(User.agent_id).where(User.agent_id.is_not(None), User.username != Agent.name)
    seated = set(session.scalars(select(Agent.name).where(Agent.name.in_([a[0] for a in AGENTS]),
                                                          Agent.id.not_in(taken))))  # fmt: skip
    intake: list[Wanted] = [
        (name, display, ("intake",), name, None) for name, display, _c, _r in AGENTS if name in seated
    ]
    return staff[:1] + intake + staff[1:]


def seed_demo_users(session: Session, home: Path) -> list[DemoLogin]:
    """Create the demo users that are missing, with generated passwords, and write the logins file.
    A user already in the file keeps its password; one missing from it gets a new one."""
    path = demo_logins_path(home)
    known = read_demo_logins(path)
    logins = []
    for username, display, roles, agent, county in _wanted(session):
        password = known.get(username)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            password = password or users.generate_password()
            users.create_user(session, username, roles, password, display_name=display, agent=agent,
                              county=county)  # fmt: skip
        else:
            users.set_roles(session, user, set(roles) | user.roles)
            if password is None:
                password = users.generate_password()
                users.set_password(session, user, password)
        logins.append(DemoLogin(username, password, roles, display))
    _write(path, logins)
    return logins
