"""ACD features of ari_app: keeping app_queue's members equal to the agents' recorded states."""
