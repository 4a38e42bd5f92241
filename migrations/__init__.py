"""Alembic migrations of the hotline schema (every revision has a real downgrade)."""
