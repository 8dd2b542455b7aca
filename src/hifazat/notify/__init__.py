"""Durable multi-channel notification: a delivery outbox and its channels (stream, email, webhook, MQTT)."""
