"""The public pages, open to anyone: the merchant ranking and the web order form (rate-limited per
client address: PUBLIC_ORDER_LIMIT orders within PUBLIC_ORDER_WINDOW_S seconds, set in app.config)."""

from __future__ import annotations

from flask import Flask

ORDER_LIMIT = 5
ORDER_WINDOW_S = 600


def init_app(app: Flask) -> None:
    """The order limiter (from app.config) and the blueprint."""
    from webconsole.auth.limiter import AttemptLimiter
    from webconsole.public.views import LIMITER, bp

    app.config.setdefault("PUBLIC_ORDER_LIMIT", ORDER_LIMIT)
    app.config.setdefault("PUBLIC_ORDER_WINDOW_S", ORDER_WINDOW_S)
    limit, window = app.config["PUBLIC_ORDER_LIMIT"], app.config["PUBLIC_ORDER_WINDOW_S"]
    app.extensions[LIMITER] = AttemptLimiter(int(limit), float(window))
    app.register_blueprint(bp)
