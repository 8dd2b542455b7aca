"""Threat intelligence: reports turned into structured events (the extraction engine is `extract`)."""
