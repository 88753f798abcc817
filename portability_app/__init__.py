"""Export of a user's tasks as one JSON document, and its import into an account (docs/export.md)."""
