"""`manage.py kafka_topics`: create the platform's topics, or only check them and report drift."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workers.kafka.topics import topics_ensure


class Command(BaseCommand):
    help = "Create the Kafka source and dead-letter topics under the configured prefix; report drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Create nothing; exit with an error when a topic is missing or differs.",
        )

    def handle(self, *args: Any, check: bool, **options: Any) -> None:
        report = topics_ensure(create=not check)
        for name in report.created:
            self.stdout.write(f"created {name}")
        for name in report.in_sync:
            self.stdout.write(f"ok      {name}")
        for line in report.drift:
            self.stderr.write(f"drift   {line}")
        if report.drift:
            raise CommandError(f"{len(report.drift)} difference(s) between the broker and the spec")
