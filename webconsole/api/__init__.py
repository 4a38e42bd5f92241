"""The JSON API (/api/v1): calls, tickets and members for other systems, with bearer tokens
(`hotline token create USER`) and the same role rules as the console's pages; README.md "JSON API"
documents it. Errors are {"error": error_id, "error_id": error_id, "message": ..., details}."""

from webconsole.api import calls, members, tickets  # noqa: F401  (importing them adds their routes to bp)
from webconsole.api.common import bp

__all__ = ["bp"]
