"""The members blueprint: search, record and history, create (also from the desk) and edit."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from webconsole.members.views import bp

    app.register_blueprint(bp)
