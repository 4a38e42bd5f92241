"""The calls blueprint: recent calls with filters, and everything known about one call."""

from webconsole.calls.views import CALL_ROLES, bp

__all__ = ["CALL_ROLES", "bp"]
