"""The merchants blueprint: the list by credit, a merchant's profile, and managing merchants."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (viewing routes, and the managing ones joined to it)."""
    from webconsole.merchants import editing  # noqa: F401 (its routes join the blueprint)
    from webconsole.merchants.views import bp

    app.register_blueprint(bp)
