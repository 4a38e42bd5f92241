"""Database: typed models, engine and sessions."""
