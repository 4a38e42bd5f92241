"""The audit log: who did what to which object, from where, when."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from hotline.db.console_models import AuditEntry, User

ACTION_MAX = 32
OBJECT_TYPE_MAX = 24
OBJECT_ID_MAX = 64


def audit(
    session: Session,
    user: User | int | None,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    remote_addr: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Add an entry (committed with the session's transaction). `user` is a User, its id, or None
    (the CLI, an unknown username); `action` is dotted lower case: login, login.failed, user.add,
    recording.play..."""
    if not action or len(action) > ACTION_MAX:
        raise ValueError(f"an audit action has 1 to {ACTION_MAX} characters: {action!r}")
    if object_type is not None and len(object_type) > OBJECT_TYPE_MAX:
        raise ValueError(f"an audit object type has at most {OBJECT_TYPE_MAX} characters: {object_type!r}")
    entry = AuditEntry(
        user_id=user.id if isinstance(user, User) else user,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:OBJECT_ID_MAX],
        remote_addr=remote_addr[:64] if remote_addr else None,
        detail=dict(detail) if detail is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry
