"""IVR prompt texts per language and the 8 kHz audio Asterisk plays, built from them (`hotline prompts build`)."""
