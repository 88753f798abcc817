"""Signed webhooks: users register HTTPS endpoints for task events; each event is POSTed to them, signed
with HMAC-SHA256, retried with exponential backoff and dead-lettered after its last attempt
(docs/webhooks.md)."""
