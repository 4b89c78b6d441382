"""Speed measurements: the model on this machine, and live latency."""
