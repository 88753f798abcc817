"""The outbox relay: one active process publishes committed outbox rows to Kafka, in order per user."""
