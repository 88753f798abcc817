"""Prometheus metrics of the API, served per gunicorn worker on a port of their own (never the API's)."""

import logging
import os

from django.conf import settings
from django_prometheus.exports import SetupPrometheusEndpointOnPortRange

logger = logging.getLogger(__name__)


def start_metrics_exporter() -> int | None:
    """Serves this process's metrics on the first free port of METRICS_PORT_RANGE; returns the port.

    Called from the WSGI module, not from the settings (django-prometheus' PROMETHEUS_METRICS_EXPORT_*):
    those start an exporter in every process that loads Django (Celery workers, bridges, `migrate`), which
    would take the ports of the range before the web workers do. Under gunicorn each worker imports the WSGI
    module (no `--preload`), so each serves its own registry.
    """
    if not settings.METRICS_PORT_RANGE:
        return None
    if os.environ.get("RUN_MAIN") == "true":
        return None  # runserver's autoreloader: a restart would race its previous self for the port
    port: int | None = SetupPrometheusEndpointOnPortRange(
        settings.METRICS_PORT_RANGE, settings.METRICS_ADDRESS
    )
    if port is None:
        logger.warning(
            "no free port in METRICS_PORT_RANGE %s-%s: this worker's metrics are not served",
            settings.METRICS_PORT_RANGE.start,
            settings.METRICS_PORT_RANGE.stop - 1,
        )
    return port
