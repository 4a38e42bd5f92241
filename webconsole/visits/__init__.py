"""The return-visit agent's work list (回访): visits due and overdue, each leading to its ticket."""

from flask import Flask

from webconsole.visits.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the visits blueprint."""
    app.register_blueprint(bp)
