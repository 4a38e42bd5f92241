"""The home page (numbers, Asterisk, agents, recent calls) and /healthz."""

from webconsole.home.views import bp

__all__ = ["bp"]
