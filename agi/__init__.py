"""The hotline FastAGI server: call-row hooks the dialplan runs through AGI(agi://...)."""
