"""WSGI entry point (gunicorn in production); each worker also serves its metrics on a port of its own."""

import os

from django.core.wsgi import get_wsgi_application

from todo_project.metrics import start_metrics_exporter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

application = get_wsgi_application()
start_metrics_exporter()
