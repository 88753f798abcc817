"""What the tests share: factories, instants, the real SMTP sink, Kafka and Celery readers, processes, the API
under gunicorn and the whole system for end-to-end tests."""
