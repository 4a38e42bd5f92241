"""Agent states and the moves between them: the rules, with no database or Asterisk in sight.

The application owns an agent's state; app_queue only mirrors it (membership and pause). A
`wrapup` agent is one whose queue's wrap-up time is running after a call: app_queue keeps such a
member out of the ring list by itself, so the state is recorded, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass

LOGGED_OUT = "logged_out"
READY = "ready"
PAUSED = "paused"
WRAPUP = "wrapup"
STATES = (LOGGED_OUT, READY, PAUSED, WRAPUP)

# Pause reason codes (a closed list, so reports can count them); the default when none is given.
PAUSE_REASONS = ("break", "meal", "training", "meeting", "after_call", "technical", "other")
DEFAULT_PAUSE_REASON = "break"

# What the person (or supervisor) may ask for, from which states.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "login": ((LOGGED_OUT,), READY),
    "logout": ((READY, PAUSED, WRAPUP), LOGGED_OUT),
    "pause": ((READY, WRAPUP, PAUSED), PAUSED),
    "unpause": ((PAUSED, WRAPUP), READY),
    # from app_queue's events, not from a person
    "call_end": ((READY,), WRAPUP),
    "wrapup_end": ((WRAPUP,), READY),
}


class AgentStateError(ValueError):
    """A move that the agent's current state does not allow; the message says why and what to do."""


@dataclass(frozen=True)
class Move:
    action: str
    before: str
    after: str
    reason: str | None

    @property
    def changes(self) -> bool:
        return self.before != self.after or self.action == "pause"


_HINTS = {
    ("login", READY): "already logged in",
    ("login", PAUSED): "already logged in (paused); `unpause` to take calls",
    ("login", WRAPUP): "already logged in (in wrap-up)",
    ("logout", LOGGED_OUT): "already logged out",
    ("pause", LOGGED_OUT): "logged out; log in first",
    ("unpause", LOGGED_OUT): "logged out; log in first",
    ("unpause", READY): "not paused",
}


def plan(name: str, state: str, action: str, reason: str | None = None) -> Move:
    """The move `action` makes from `state`, or AgentStateError naming the agent and the problem."""
    if action not in ACTIONS:
        raise AgentStateError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    if state not in STATES:
        raise AgentStateError(f"agent {name} has an unknown state {state!r}")
    allowed, after = ACTIONS[action]
    if state not in allowed:
        hint = _HINTS.get((action, state), f"{action} is not possible in state {state}")
        raise AgentStateError(f"agent {name} is {hint}")
    if action == "pause":
        reason = reason or DEFAULT_PAUSE_REASON
        if reason not in PAUSE_REASONS:
            raise AgentStateError(f"unknown pause reason {reason!r}; one of {', '.join(PAUSE_REASONS)}")
    elif reason is not None and action != "logout":
        raise AgentStateError(f"a reason goes with pause or logout, not with {action}")
    return Move(action, state, after, reason)
