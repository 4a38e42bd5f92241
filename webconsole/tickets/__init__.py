"""The ticket pages: search, new ticket (prefilled from a call), a ticket with its timeline and the
forms of the actions its user may take; the workflow itself is hotline.tickets."""

from flask import Flask

from webconsole.tickets.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the tickets blueprint."""
    app.register_blueprint(bp)
