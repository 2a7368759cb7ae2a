"""The web service: a JSON API under /api and server-rendered story pages over a SQLite store."""

from .app import DEFAULT_DB, MAX_BODY, create_app
from .views import safe_url as safe_url  # not in __all__ (as before), but tests import it from here

__all__ = ["create_app", "MAX_BODY", "DEFAULT_DB"]
