"""ARI side of the IVR: the caller's channel and the center's data, as the flow interpreter wants them."""
