"""Event plumbing shared by every app: envelope, outbox, Kafka, relay, bridges, idempotency, dead letters."""
