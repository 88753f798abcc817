"""`manage.py run_outbox_relay`: publish the outbox to Kafka until SIGTERM or SIGINT."""

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from prometheus_client import start_http_server

from workers.relay.loop import OutboxRelay, RelaySettings
from workers.telemetry.tracing import configure_tracing


class Command(BaseCommand):
    help = "Publish committed outbox rows to Kafka (one active relay; others stand by)."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = RelaySettings()
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
        parser.add_argument("--poll-interval", type=float, default=defaults.poll_interval)
        parser.add_argument("--max-attempts", type=int, default=defaults.max_attempts)
        parser.add_argument("--relay-backoff-max", type=float, default=defaults.relay_backoff_max)
        parser.add_argument("--metrics-port", type=int, default=0, help="Serve Prometheus metrics here.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if options["metrics_port"]:
            start_http_server(options["metrics_port"], addr=settings.METRICS_ADDRESS)
        configure_tracing("todo-relay")
        config = RelaySettings(
            batch_size=options["batch_size"],
            poll_interval=options["poll_interval"],
            max_attempts=options["max_attempts"],
            relay_backoff_max=options["relay_backoff_max"],
        )
        OutboxRelay(config, stop=stop).run()
