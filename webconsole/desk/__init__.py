"""The agent desk blueprint: agent state and the live screen-pop."""

from webconsole.desk.views import bp, init_app

__all__ = ["bp", "init_app"]
