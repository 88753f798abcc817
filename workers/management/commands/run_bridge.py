"""`manage.py run_bridge <name>`: run one consumer of settings.BRIDGE_CONSUMERS until SIGTERM or SIGINT."""

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from prometheus_client import start_http_server

from workers.bridge.loop import Bridge
from workers.bridge.registry import consumers
from workers.telemetry.tracing import configure_tracing


class Command(BaseCommand):
    help = "Hand one topic's events to Celery: one consumer of settings.BRIDGE_CONSUMERS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=sorted(consumers()))
        parser.add_argument("--metrics-port", type=int, default=0, help="Serve Prometheus metrics here.")

    def handle(self, *args: Any, name: str, metrics_port: int, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if metrics_port:
            start_http_server(metrics_port, addr=settings.METRICS_ADDRESS)
        spec = consumers()[name]
        # A batch message is no trace's: each event in it continues its own record's (workers/bridge/loop.py).
        batches = frozenset({f"apply_async/{spec.batch_task_name}"} if spec.batch_task_name else ())
        configure_tracing(
            f"todo-bridge-{name}", instrument=("celery", "psycopg", "redis"), quiet_roots=batches
        )
        Bridge(spec, stop=stop).run()
