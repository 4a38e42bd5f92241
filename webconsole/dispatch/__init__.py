"""The dispatcher's work list (派单): tickets waiting for dispatch or re-dispatch, complaints to handle,
suggestions to forward."""

from flask import Flask

from webconsole.dispatch.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the dispatch blueprint."""
    app.register_blueprint(bp)
