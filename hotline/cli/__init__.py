"""The `hotline` command line."""
