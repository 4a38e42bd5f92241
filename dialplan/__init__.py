"""Asterisk configuration as code: Jinja2 templates of every .conf and one generator per file."""
