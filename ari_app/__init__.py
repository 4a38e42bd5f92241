"""The hotline ARI daemon: one Stasis app, its client, and one package per feature."""
