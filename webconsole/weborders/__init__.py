"""The web-orders blueprint: pending orders from the public form, verified or rejected by agents."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from webconsole.weborders.views import bp

    app.register_blueprint(bp)
