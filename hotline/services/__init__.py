"""Domain services: the logic shared by the CLI, ari_app, agi and the console."""
