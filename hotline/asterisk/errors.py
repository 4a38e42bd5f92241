"""Errors of the Asterisk runtime; each carries one sentence a user can act on."""

from __future__ import annotations


class ProvisionError(Exception):
    """Installing, starting or talking to Asterisk failed for a reason the user can fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AsteriskNotRunning(ProvisionError):
    """A CLI command was sent but no Asterisk of this state directory answers."""
