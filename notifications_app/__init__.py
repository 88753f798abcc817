"""Reminders: the durable reminder schedule, exact-time delivery through Celery and email rendering."""
