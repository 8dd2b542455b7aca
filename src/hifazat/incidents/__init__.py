"""Incidents: reports of what happened, their people and casualties, their lifecycle and timeline."""
