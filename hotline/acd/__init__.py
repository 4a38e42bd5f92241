"""The ACD (automatic call distribution): agent states owned by the application, applied to app_queue."""
