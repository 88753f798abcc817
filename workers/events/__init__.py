"""Events: the envelope every topic carries, the outbox `emit()` every service writes through, trace
context, and the processed-events records that make handlers idempotent."""
