"""The agent desk's ring events: an agent's phone rings, is answered, hangs up (the console pops)."""
