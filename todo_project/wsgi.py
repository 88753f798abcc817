"""WSGI entry point (gunicorn in production); each worker also serves its metrics on a port of its own, and
traces its requests when tracing is on (workers/telemetry/tracing.py)."""

import os

from django.core.wsgi import get_wsgi_application

from todo_project.metrics import start_metrics_exporter
from workers.telemetry.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

# Per gunicorn worker (no --preload): before Django builds its middleware, so requests become spans.
configure_tracing("todo-api", instrument=("django", "psycopg", "redis"))
application = get_wsgi_application()
start_metrics_exporter()
