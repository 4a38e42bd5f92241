"""Localized routing (属地化): which county a call belongs to, and why."""
