"""IVR prompt texts per language and the 8 kHz audio Asterisk plays, built by `hotline prompts build`."""
