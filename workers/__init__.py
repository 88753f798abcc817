"""Event plumbing shared by every app, by concern: `events` (envelope, outbox, idempotency), `kafka`,
`relay`, `bridge`, `dead_letters`, the web side every API shares (`http`), the operators' `admin`, and
the database backend every process uses (`postgresql`).

docs/architecture.md draws the flows and the layers; the Django app label stays `workers`.
"""
